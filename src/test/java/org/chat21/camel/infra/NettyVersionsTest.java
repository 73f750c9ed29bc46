package org.chat21.camel.infra;

import io.netty.util.Version;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One Netty version on the classpath (pom.xml, netty.version): Netty's jars must not be mixed, and the
 * service's Vert.x (4.1) and the stand-in store, mongo-java-server 1.47 (4.2), bring different ones. Fails when
 * a dependency upgrade brings a Netty jar the pom's import does not align, which is when netty.version needs a
 * look (and whether the override is still needed: see its comment in the pom).
 */
class NettyVersionsTest {
    @Test
    void everyNettyJarIsOfOneVersion() {
        Map<String, String> versions = new TreeMap<>();
        Version.identify().forEach((artifact, version) -> versions.put(artifact, version.artifactVersion()));
        assertEquals(1, versions.values().stream().distinct().count(), "mixed Netty jars: " + versions);
    }
}
