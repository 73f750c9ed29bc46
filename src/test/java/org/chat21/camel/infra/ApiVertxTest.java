package org.chat21.camel.infra;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ApiVertx is a workaround for a hook Camel's platform-http-vertx lacks: this fails when a Camel upgrade adds a
 * way to customize the server it creates (then configure that, and delete ApiVertx and its internal base class).
 */
class ApiVertxTest {
    @Test
    void camelsServerConfigurationStillHasNoServerCustomizer() {
        List<String> hooks = Arrays.stream(VertxPlatformHttpServerConfiguration.class.getMethods())
                .map(Method::getName)
                .filter(name -> {
                    String n = name.toLowerCase(Locale.ROOT);
                    return n.contains("invalidrequest") || n.contains("customiz") || n.contains("serveroptions")
                            || n.contains("connectionhandler") || n.contains("http2") || n.contains("h2c");
                })
                .toList();
        assertEquals(List.of(), hooks, "Camel can now customize the HTTP server: see ApiVertx");
    }
}
