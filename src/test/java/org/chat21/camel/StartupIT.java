package org.chat21.camel;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar started from another directory, as an operator would by mistake or on purpose: without
 * CHAT21_HOME it finds no routes and says so, exit 1; with CHAT21_HOME it serves, and its one start line
 * survives LOG_LEVEL=WARN.
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
        ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", REPO.resolve("target/chat21-camel.jar").toString()))
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
        return pb.start();
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
            startLine |= "WARN".equals(entry.get("level")) && String.valueOf(entry.get("message")).contains("started: store =");
        }
        assertTrue(startLine, "the start line, at WARN, as JSON");
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
            assertTrue(out.matches("(?s).*WARN .*chat21-camel \\S+ started: store = embedded.*; broker = embedded.*HTTP port "
                    + port + ", management port \\d+; \\d+ routes.*"), out);
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
}
