package org.chat21.camel;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker-compose.yml and the Dockerfile, read as files (images cannot be pulled here, so compose is not run):
 * pinned images, the readiness healthcheck, what is mounted and set, RabbitMQ carrying deploy/rabbitmq/.
 */
class DeployFilesTest {
    static final Path REPO = Path.of("").toAbsolutePath();
    /** An exact release: 8.0.13, 4.1.3-management, 17.0.17_10-jre-noble, 0.1.0. */
    static final Pattern PINNED = Pattern.compile("\\d+\\.\\d+\\.\\d+([._-][A-Za-z0-9._-]+)?");
    static final String PROBE = "org.chat21.camel.operations.HealthProbe";

    @SuppressWarnings("unchecked")
    static Map<String, Object> compose() throws Exception {
        return (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(REPO.resolve("docker-compose.yml")));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(String name) throws Exception {
        Map<String, Object> service = ((Map<String, Map<String, Object>>) compose().get("services")).get(name);
        assertNotNull(service, "service " + name);
        return service;
    }

    static String dockerfile() throws Exception {
        return Files.readString(REPO.resolve("Dockerfile"));
    }

    static void assertPinned(String image) {
        int colon = image.lastIndexOf(':');
        assertTrue(colon > image.lastIndexOf('/'), image + " has no tag");
        String tag = image.substring(colon + 1);
        assertTrue(PINNED.matcher(tag).matches() && !tag.contains("latest"), image + " is not pinned to a release");
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object list) {
        return list == null ? List.of() : ((List<Object>) list).stream().map(String::valueOf).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyImageIsPinned() throws Exception {
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose().get("services");
        assertEquals(List.of("mongodb", "rabbitmq", "chat21-camel"), new ArrayList<>(services.keySet()));
        services.forEach((name, service) -> assertPinned(String.valueOf(service.get("image"))));
        assertTrue(String.valueOf(service("mongodb").get("image")).startsWith("mongo:"));
        assertTrue(String.valueOf(service("rabbitmq").get("image")).matches("rabbitmq:[^:]*-management"),
                "the official image with the management plugin");

        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(dockerfile());
        List<String> bases = new ArrayList<>();
        while (from.find()) {
            assertPinned(from.group(1));
            bases.add(from.group(1));
        }
        assertEquals(2, bases.size(), "a build image and a runtime image");
        // one Temurin release: the JDK that builds and the JRE that runs
        assertEquals(bases.get(0).replace("-jdk", "-jre"), bases.get(1));
        assertTrue(bases.get(1).startsWith("eclipse-temurin:17.0."), bases.get(1));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theServiceIsBuiltHereWithItsFilesMountedAndItsSettings() throws Exception {
        Map<String, Object> camel = service("chat21-camel");
        assertEquals(".", camel.get("build"));
        // read from the working directory /app (CHAT21_HOME's default): edited on the host, no rebuild
        assertTrue(dockerfile().contains("\nWORKDIR /app\n"));
        List<String> volumes = strings(camel.get("volumes"));
        assertTrue(volumes.contains("./routes:/app/routes:ro"), volumes.toString());
        assertTrue(volumes.contains("./application.properties:/app/application.properties:ro"), volumes.toString());
        Map<String, Object> env = (Map<String, Object>) camel.get("environment");
        for (String name : List.of("MONGODB_URI", "RABBITMQ_URI", "JWT_KEY", "JAVA_OPTS", "MANAGEMENT_PORT")) {
            assertTrue(env.containsKey(name) && !String.valueOf(env.get(name)).isBlank(), name);
        }
        assertTrue(String.valueOf(env.get("MONGODB_URI")).startsWith("mongodb://mongodb:27017/"));
        assertTrue(String.valueOf(env.get("RABBITMQ_URI")).matches("amqp://.*@rabbitmq:5672"));
        // the service and RabbitMQ share one secret
        assertEquals(env.get("JWT_KEY"), ((Map<String, Object>) service("rabbitmq").get("environment")).get("JWT_KEY"));
        assertEquals(List.of("8004:8004", "9876:9876"), strings(camel.get("ports")));

        Map<String, Map<String, Object>> depends = (Map<String, Map<String, Object>>) camel.get("depends_on");
        for (String dependency : List.of("mongodb", "rabbitmq")) {
            assertEquals("service_healthy", depends.get(dependency).get("condition"), dependency);
            assertNotNull(service(dependency).get("healthcheck"), dependency + " has a healthcheck");
        }
        assertTrue(String.valueOf(((Map<String, Object>) service("mongodb").get("healthcheck")).get("test")).contains("ping"));
        assertTrue(strings(service("mongodb").get("volumes")).stream().anyMatch(v -> v.endsWith(":/data/db")),
                "MongoDB keeps its data in a volume");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theHealthcheckIsReadiness() throws Exception {
        // the same probe in compose and in the image; it asks /observe/health/ready (HealthProbeTest)
        List<String> test = strings(((Map<String, Object>) service("chat21-camel").get("healthcheck")).get("test"));
        assertEquals("CMD", test.get(0));
        assertTrue(test.contains(PROBE) && test.contains("/app/chat21-camel.jar"), test.toString());
        Matcher healthcheck = Pattern.compile("(?m)^HEALTHCHECK .*\\\\\\n\\s*CMD (.*)$").matcher(dockerfile());
        assertTrue(healthcheck.find(), "HEALTHCHECK in the Dockerfile");
        assertTrue(healthcheck.group(1).contains(PROBE) && healthcheck.group(1).contains("/app/chat21-camel.jar"));
        assertTrue(Files.readString(REPO.resolve("src/main/java/org/chat21/camel/operations/HealthProbe.java"))
                .contains("/observe/health/ready"));
    }

    @Test
    void theImageHonoursJavaOptsAndLeavesTheStandInsOut() throws Exception {
        String dockerfile = dockerfile();
        assertTrue(dockerfile.contains("ENTRYPOINT [\"sh\", \"-c\", \"exec java $JAVA_OPTS -jar /app/chat21-camel.jar"),
                "JAVA_OPTS on the java command line, java as PID 1 (exec) so it gets SIGTERM");
        assertTrue(dockerfile.matches("(?s).*\\nENV [^\\n]*MANAGEMENT_PORT=9876.*"));
        assertTrue(dockerfile.matches("(?s).*\\nEXPOSE 8004 9876\\n.*"));
        assertTrue(dockerfile.contains("ARG STANDINS=false"));
        assertTrue(dockerfile.contains("deploy/standins.txt") && dockerfile.contains("rm -f /out/lib/$pattern"));
        assertTrue(dockerfile.contains("\nUSER chat21\n"), "not root");
    }

    @Test
    @SuppressWarnings("unchecked")
    void rabbitMqCarriesTheClientConfiguration() throws Exception {
        Map<String, Object> rabbit = service("rabbitmq");
        List<String> volumes = strings(rabbit.get("volumes"));
        assertTrue(volumes.contains("./deploy/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins:ro"), volumes.toString());
        assertTrue(volumes.contains("./deploy/rabbitmq/rabbitmq.conf:/etc/rabbitmq/conf.d/30-chat21.conf:ro"), volumes.toString());
        assertTrue(volumes.contains("./deploy/rabbitmq/compose.conf:/etc/rabbitmq/conf.d/40-chat21-compose.conf:ro"), volumes.toString());
        assertTrue(volumes.contains("./deploy/rabbitmq:/chat21:ro"), volumes.toString());
        // every host path mounted exists
        for (String volume : volumes) {
            if (volume.startsWith("./")) {
                assertTrue(Files.exists(REPO.resolve(volume.substring(2, volume.indexOf(':')))), volume);
            }
        }
        String plugins = Files.readString(REPO.resolve("deploy/rabbitmq/enabled_plugins")).trim();
        assertTrue(plugins.startsWith("[") && plugins.endsWith("]."), "an Erlang list: " + plugins);
        List<String> enabled = List.of(plugins.substring(1, plugins.length() - 2).split("\\s*,\\s*"));
        assertTrue(enabled.containsAll(List.of("rabbitmq_mqtt", "rabbitmq_web_mqtt", "rabbitmq_auth_backend_oauth2",
                "rabbitmq_management")), enabled.toString());

        // advanced.config (OAuth2 signing key) is installed with JWT_KEY by the entrypoint, then the image's own
        assertEquals(List.of("/chat21/compose-entrypoint.sh"), strings(rabbit.get("entrypoint")));
        Path entrypoint = REPO.resolve("deploy/rabbitmq/compose-entrypoint.sh");
        assertTrue(Files.isExecutable(entrypoint));
        String script = Files.readString(entrypoint);
        assertTrue(script.contains("/chat21/advanced.config > /etc/rabbitmq/advanced.config"), script);
        assertTrue(script.contains("exec docker-entrypoint.sh \"$@\""), script);
        assertTrue(((Map<String, Object>) rabbit.get("environment")).containsKey("JWT_KEY"));

        // the listeners the configuration opens are the ports published
        assertTrue(Files.readString(REPO.resolve("deploy/rabbitmq/rabbitmq.conf")).contains("\nweb_mqtt.tcp.port = 15675\n"));
        assertTrue(Files.readString(REPO.resolve("deploy/rabbitmq/compose.conf")).contains("\nmqtt.listeners.tcp.default = 1883\n"));
        List<String> ports = strings(rabbit.get("ports"));
        assertTrue(ports.containsAll(List.of("1883:1883", "15675:15675")), ports.toString());
        assertFalse(ports.stream().anyMatch(p -> p.endsWith(":5672")), "AMQP stays inside the compose network");
        assertTrue(strings(((Map<String, Object>) rabbit.get("healthcheck")).get("test")).contains("check_port_connectivity"));
    }
}
