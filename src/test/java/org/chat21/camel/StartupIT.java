package org.chat21.camel;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.chat21.camel.infra.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.PathMatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar started from another directory, as an operator would by mistake or on purpose: without
 * CHAT21_HOME it finds no routes and says so, exit 1; with CHAT21_HOME it serves, and its one start line
 * survives LOG_LEVEL=WARN. Also as the production image holds it (no embedded stand-ins): it needs the URIs,
 * says so in one line, and with them serves on external servers (the machine's RabbitMQ).
 */
class StartupIT {
    static final Path REPO = Path.of("").toAbsolutePath();

    static Process start(Path workDir, Path log, String home, int port) throws Exception {
        return start(workDir, log, home, port, "WARN");
    }

    static Process start(Path workDir, Path log, String home, int port, String logLevel) throws Exception {
        return start(workDir, log, home, port, logLevel, "plain");
    }

    static Process start(Path workDir, Path log, String home, int port, String logLevel, String logFormat)
            throws Exception {
        return start(REPO.resolve("target/chat21-camel.jar"), List.of(), Map.of(), workDir, log, home, port,
                logLevel, logFormat);
    }

    /** The jar {@code jar} (its lib/ beside it), with JVM options and environment variables of the test's. */
    static Process start(Path jar, List<String> jvm, Map<String, String> env, Path workDir, Path log, String home,
                         int port, String logLevel, String logFormat) throws Exception {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m"));
        command.addAll(jvm);
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("CHAT21_HOME");
        pb.environment().remove("MONGODB_URI");
        pb.environment().remove("RABBITMQ_URI");
        if (home != null) {
            pb.environment().put("CHAT21_HOME", home);
        }
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().put("HOST", "127.0.0.1");
        pb.environment().put("MANAGEMENT_PORT", String.valueOf(EmbeddedBroker.freePort()));
        pb.environment().put("MANAGEMENT_HOST", "127.0.0.1");
        pb.environment().put("LOG_LEVEL", logLevel);
        pb.environment().put("LOG_FORMAT", logFormat);
        pb.environment().putAll(env);
        return pb.start();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Started in {@code dir} without CHAT21_HOME: exits 1, saying no routes were found and what to do. */
    static void refusesToStartIn(Path dir) throws Exception {
        Path log = dir.resolve("out.log");
        Process p = start(dir, log, null, EmbeddedBroker.freePort());
        try {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the service kept running with no routes");
            String out = Files.readString(log);
            assertEquals(1, p.exitValue(), out);
            assertTrue(out.contains("no routes found"), out);
            assertTrue(out.contains("CHAT21_HOME"), out);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void noRoutesIsAClearErrorAndExit1(@TempDir Path elsewhere) throws Exception {
        refusesToStartIn(elsewhere);
    }

    @Test
    void anEmptyRoutesDirectoryIsAClearErrorToo(@TempDir Path elsewhere) throws Exception {
        Files.createDirectories(elsewhere.resolve("routes"));
        refusesToStartIn(elsewhere);
    }

    @Test
    void jsonLogsAreOneObjectALine(@TempDir Path elsewhere) throws Exception {
        Path log = elsewhere.resolve("out.log");
        int port = EmbeddedBroker.freePort();
        Process p = start(elsewhere, log, REPO.toString(), port, "INFO", "json");
        try {
            ServiceHarness.waitUntil(() -> Files.readString(log).contains(" routes\""), 90_000, "no start line");
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() > 5, String.join("\n", lines));
        boolean startLine = false;
        for (String line : lines) {
            Map<String, Object> entry = org.chat21.camel.common.Json.readMap(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertTrue(entry.containsKey("level") && entry.containsKey("message") && entry.containsKey("loggerName"), line);
            startLine |= "INFO".equals(entry.get("level")) && String.valueOf(entry.get("message")).contains("started: store =");
        }
        assertTrue(startLine, "the start line, at INFO, as JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"WARN", "INFO"})
    void chat21HomeServesFromAnywhere(String logLevel, @TempDir Path elsewhere) throws Exception {
        Path log = elsewhere.resolve("out.log");
        int port = EmbeddedBroker.freePort();
        Process p = start(elsewhere, log, REPO.toString(), port, logLevel);
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            ServiceHarness.waitUntil(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200,
                    90_000, "the service did not answer from CHAT21_HOME");
            ServiceHarness.waitUntil(() -> Files.readString(log).contains(" routes"), 10_000, "no start summary");
            String out = Files.readString(log);
            // at INFO, kept at INFO when LOG_LEVEL=WARN (no WARN for log monitors to alert on)
            assertTrue(out.matches("(?s).*INFO .*chat21-camel \\S+ started: store = embedded.*; broker = embedded.*HTTP port "
                    + port + ", management port \\d+; \\d+ routes.*"), out);
            ServiceHarness.waitUntil(() -> Files.readString(log).contains("ready: accepting requests"), 10_000, "no ready line");
            out = Files.readString(log);
            assertTrue(out.contains("API http://localhost:" + port + "/api, OpenAPI http://localhost:" + port + "/api/openapi.json"), out);
            // a start log a person reads: a screen at INFO (Camel's line per route and property is detail), the
            // start lines alone at WARN
            long startLines = out.substring(0, out.indexOf("ready: accepting requests")).lines().count(); // the ready line included
            assertTrue(startLines <= ("INFO".equals(logLevel) ? 15 : 3), startLines + " lines:\n" + out);
            assertTrue(!out.contains(" WARN ") && !out.contains(" ERROR "), out);
            // Camel's endpoint table is not printed again for every route
            assertTrue(!out.contains("HTTP endpoints summary"), out);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertTrue(new File(elsewhere.toFile(), "out.log").length() > 0);
    }

    /**
     * The production image's files (Dockerfile): the jar and target/lib without the embedded stand-ins of
     * deploy/standins.txt, each of whose patterns must still match a jar (the list is not stale).
     */
    static Path withoutStandIns(Path dir) throws Exception {
        List<PathMatcher> standIns = new ArrayList<>();
        Map<String, Integer> matched = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(REPO.resolve("deploy/standins.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                standIns.add(FileSystems.getDefault().getPathMatcher("glob:" + line.trim()));
                matched.put(line.trim(), 0);
            }
        }
        Files.createDirectories(dir.resolve("lib"));
        Files.copy(REPO.resolve("target/chat21-camel.jar"), dir.resolve("chat21-camel.jar"));
        List<String> patterns = new ArrayList<>(matched.keySet());
        try (var jars = Files.list(REPO.resolve("target/lib"))) {
            for (Path jar : jars.toList()) {
                boolean standIn = false;
                for (int i = 0; i < standIns.size(); i++) {
                    if (standIns.get(i).matches(jar.getFileName())) {
                        matched.merge(patterns.get(i), 1, Integer::sum);
                        standIn = true;
                    }
                }
                if (!standIn) {
                    Files.copy(jar, dir.resolve("lib").resolve(jar.getFileName()));
                }
            }
        }
        matched.forEach((pattern, n) -> assertTrue(n > 0, pattern + " matches no jar of target/lib"));
        return dir.resolve("chat21-camel.jar");
    }

    @Test
    void withoutTheStandInsTheUrisAreRequiredInOneLine(@TempDir Path image) throws Exception {
        Path jar = withoutStandIns(image);
        Path log = image.resolve("out.log");
        Process p = start(jar, List.of(), Map.of(), image, log, REPO.toString(), EmbeddedBroker.freePort(), "INFO",
                "plain");
        try {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the service kept running without stand-ins and URIs");
            String out = Files.readString(log);
            assertEquals(1, p.exitValue(), out);
            List<String> errors = out.lines().filter(l -> l.contains("ERROR")).toList();
            assertEquals(1, errors.size(), out);
            assertTrue(errors.get(0).contains("chat21-camel failed to start: MONGODB_URI and RABBITMQ_URI are not set, "
                    + "and the embedded stand-ins (mongo-java-server, Qpid Broker-J) are not in this image: set "
                    + "MONGODB_URI and RABBITMQ_URI"), out);
            // no class error, no stack trace
            assertFalse(out.contains("NoClassDefFoundError") || out.contains("ClassNotFound") || out.contains("\tat "), out);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void withoutTheStandInsItServesOnExternalServers(@TempDir Path image) throws Exception {
        TestBroker.require();
        Path jar = withoutStandIns(image);
        Path log = image.resolve("out.log");
        int port = EmbeddedBroker.freePort();
        int management = EmbeddedBroker.freePort();
        String run = "st" + UUID.randomUUID().toString().substring(0, 6);
        MongoServer mongo = new MongoServer(new MemoryBackend());
        String mongoUri = "mongodb://" + mongo.bind().getHostString() + ":" + mongo.getLocalAddress().getPort() + "/chatdb";
        // this run's broker objects only (as ServiceHarness)
        List<String> jvm = List.of("-Dchat21.exchange.group-changes=it." + run + ".group-changes",
                "-Dchat21.observer.app=app" + run, "-Dchat21.observer.queue-prefix=it." + run + ".observer",
                "-Dchat21.webhooks.exchange=it." + run + ".webhooks", "-Dchat21.webhooks.queue-prefix=it." + run + ".webhooks");
        Process p = start(jar, jvm, Map.of("MONGODB_URI", mongoUri, "RABBITMQ_URI", ServiceHarness.RABBIT,
                "MANAGEMENT_PORT", String.valueOf(management)), image, log, REPO.toString(), port, "WARN", "plain");
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            ServiceHarness.waitUntil(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management
                    + "/observe/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200, 90_000, "not ready without stand-ins");
            // the image's HEALTHCHECK says healthy
            assertEquals(0, probe(jar, management), Files.readString(log));
            HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/app"
                    + run + "/messages")).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "JWT " + TestTokens.user("alice", "app" + run))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("sender_fullname", "Alice",
                            "recipient_id", "bob", "recipient_fullname", "Bob", "text", "no stand-ins"))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, sent.statusCode(), sent.body());
            try (MongoClient client = MongoClients.create(mongoUri)) {
                ServiceHarness.waitUntil(() -> client.getDatabase("chatdb").getCollection("messages")
                        .countDocuments(new Document("text", "no stand-ins")) == 2, 10_000, "both copies stored");
            }
            String out = Files.readString(log);
            assertTrue(out.contains("started: store = external MongoDB") && out.contains("broker = external RabbitMQ"), out);
            assertFalse(out.contains("ERROR"), out);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            mongo.shutdownNow();
            try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
                admin.channel.exchangeDelete("it." + run + ".group-changes");
                for (String kind : new String[] {"messages", "receipts", "conversations", "archives", "presence"}) {
                    admin.channel.queueDelete("it." + run + ".observer." + kind);
                }
                // what the webhooks declare even with no endpoint set
                admin.channel.queueDelete("it." + run + ".webhooks.overflow");
                admin.channel.exchangeDelete("it." + run + ".webhooks");
                admin.channel.exchangeDelete("it." + run + ".webhooks.overflow");
            }
        }
        // the HEALTHCHECK says unhealthy once nothing answers
        assertEquals(1, probe(jar, management));
    }

    /** The Dockerfile's HEALTHCHECK command against the management port; its exit code. */
    static int probe(Path jar, int managementPort) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx16m", "-cp", jar.toString(),
                "org.chat21.camel.operations.HealthProbe").redirectErrorStream(true);
        pb.environment().put("MANAGEMENT_PORT", String.valueOf(managementPort));
        pb.environment().remove("MANAGEMENT_HOST");
        Process probe = pb.start();
        String out = new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(probe.waitFor(30, TimeUnit.SECONDS), out);
        assertTrue(out.contains("/observe/health/ready"), out);
        return probe.exitValue();
    }
}
