package org.chat21.camel;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    /** A service's image, its own or the one of the service it extends. */
    @SuppressWarnings("unchecked")
    static String image(String name) throws Exception {
        Map<String, Object> service = service(name);
        Object extended = service.get("extends");
        if (service.get("image") == null && extended != null) {
            return image(String.valueOf(((Map<String, Object>) extended).get("service")));
        }
        return String.valueOf(service.get("image"));
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
        assertEquals(List.of("mongodb", "rabbitmq", "chat21-camel", "mongo1", "mongo2", "mongo3", "mongo-init",
                "chat21-camel-replica"), new ArrayList<>(services.keySet()));
        for (String name : services.keySet()) {
            assertPinned(image(name));
        }
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

    @Test
    @SuppressWarnings("unchecked")
    void theReplicaProfileRunsTheServiceOnAThreeMemberReplicaSet() throws Exception {
        // the default stack starts without a profile, the replica set only with --profile replica
        for (String name : List.of("mongodb", "rabbitmq", "chat21-camel")) {
            assertNull(service(name).get("profiles"), name);
        }
        List<String> members = List.of("mongo1", "mongo2", "mongo3");
        for (String member : members) {
            Map<String, Object> mongo = service(member);
            assertEquals(List.of("replica"), strings(mongo.get("profiles")), member);
            assertEquals(image("mongodb"), image(member), "the same MongoDB release");
            assertEquals(List.of("--replSet", "rs0", "--bind_ip_all"), strings(mongo.get("command")));
            assertEquals(service("mongodb").get("healthcheck"), mongo.get("healthcheck"), member);
            assertEquals(List.of(member + "-data:/data/db"), strings(mongo.get("volumes")), "its own data");
            assertTrue(((Map<String, Object>) compose().get("volumes")).containsKey(member + "-data"));
        }

        // the one-shot initiation: idempotent, done once a primary is elected
        Map<String, Object> init = service("mongo-init");
        assertEquals(List.of("replica"), strings(init.get("profiles")));
        assertEquals("no", init.get("restart"));
        assertEquals(image("mongodb"), image("mongo-init"), "mongosh of the same release");
        Map<String, Map<String, Object>> initDepends = (Map<String, Map<String, Object>>) init.get("depends_on");
        assertEquals(Set.copyOf(members), initDepends.keySet());
        initDepends.values().forEach(d -> assertEquals("service_healthy", d.get("condition")));
        List<String> command = strings(init.get("command"));
        assertEquals(List.of("mongosh", "--quiet", "--host", "mongo1", "--eval"), command.subList(0, 5));
        String script = command.get(5);
        assertTrue(script.contains("rs.initiate({_id: \"rs0\""), script);
        for (int i = 0; i < members.size(); i++) {
            assertTrue(script.contains("{_id: " + i + ", host: \"" + members.get(i) + ":27017\"}"), members.get(i));
        }
        assertTrue(script.contains("\"AlreadyInitialized\"") && script.contains("\"PRIMARY\"") && script.contains("quit(1)"));
        assertFalse(script.contains("$"), "nothing for compose to interpolate");

        // the service as chat21-camel, on the set; same ports, so the two never run side by side
        Map<String, Object> replica = service("chat21-camel-replica");
        assertEquals(List.of("replica"), strings(replica.get("profiles")));
        assertEquals(Map.of("service", "chat21-camel"), replica.get("extends"));
        assertNull(replica.get("ports"), "chat21-camel's ports: a replica next to chat21-camel fails to start");
        Map<String, Map<String, Object>> depends = (Map<String, Map<String, Object>>) replica.get("depends_on");
        assertEquals("service_completed_successfully", depends.get("mongo-init").get("condition"));
        assertEquals("service_healthy", depends.get("rabbitmq").get("condition"));
        Map<String, Object> env = (Map<String, Object>) replica.get("environment");
        assertEquals(Set.of("MONGODB_URI"), env.keySet(), "the rest as chat21-camel's");
        String uri = String.valueOf(env.get("MONGODB_URI"));
        assertTrue(uri.startsWith("mongodb://" + String.join(",", members.stream().map(m -> m + ":27017").toList()) + "/chatdb?"), uri);
        assertTrue(uri.contains("replicaSet=rs0") && uri.contains("w=majority"), uri);
        assertTrue(Files.readString(REPO.resolve("docker-compose.yml"))
                .contains("#   docker compose --profile replica up -d --build --scale chat21-camel=0\n"), "how to run it");
    }
}
