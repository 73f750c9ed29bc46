package org.chat21.camel.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A process the runner started: its pid (for CPU), its log file, and for the benchmark's own programs the
 * JSON-lines channel of {@link Lines} (commands on stdin, events from stdout). Closing it closes its
 * standard input (the benchmark's programs leave then), then terminates it, forcibly if it lingers.
 */
public final class Child implements AutoCloseable {
    final String name;
    public final Process process;
    final long startedNanos;
    private final BlockingQueue<Map<String, Object>> events = new LinkedBlockingQueue<>();
    private final PrintWriter stdin;

    private Child(String name, Process process, long startedNanos, Path log, boolean events) throws IOException {
        this.name = name;
        this.process = process;
        this.startedNanos = startedNanos;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        if (events) {
            Thread reader = new Thread(() -> readEvents(log), name + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }
    }

    /** One of the benchmark's main classes in a JVM of its own, on this JVM's class path. */
    public static Child program(String name, Class<?> main, List<String> jvmOptions, List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LOG_LEVEL", "WARN");
        long started = System.nanoTime();
        return new Child(name, pb.start(), started, log, true);
    }

    /** A service under test: {@code java <options> -jar <jar>} in {@code dir}, output to the log file. */
    static Child service(String name, Path dir, List<String> jvmOptions, Map<String, String> env, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(dir.resolve("target/chat21-camel.jar").toString());
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // each service its own management port (health, metrics): designs run side by side
        pb.environment().put("MANAGEMENT_PORT", String.valueOf(org.chat21.camel.infra.EmbeddedBroker.freePort()));
        pb.environment().putAll(env);
        long started = System.nanoTime();
        return new Child(name, pb.start(), started, log, false);
    }

    long pid() {
        return process.pid();
    }

    void send(Map<String, Object> command) {
        stdin.println(Lines.write(command));
        stdin.flush();
    }

    /** The next event, or an exception when none came within the timeout or the process ended. */
    Map<String, Object> next(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            Map<String, Object> event = events.poll(200, TimeUnit.MILLISECONDS);
            if (event != null) {
                return event;
            }
            if (!process.isAlive() && events.isEmpty()) {
                throw new IllegalStateException(name + " ended (exit " + process.exitValue() + "), see its log");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": no answer within " + timeoutMs / 1000 + " s");
            }
        }
    }

    /** The next event of the given kind ({@code event} field), skipping others; an {@code error} event throws. */
    public Map<String, Object> await(String kind, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            Map<String, Object> event = next(Math.max(1, deadline - System.currentTimeMillis()));
            if (kind.equals(event.get("event"))) {
                return event;
            }
            if ("error".equals(event.get("event"))) {
                throw new IllegalStateException(name + ": " + event.get("message"));
            }
        }
    }

    @Override
    public void close() {
        stdin.close();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Terminates (SIGTERM, then SIGKILL after {@code graceSeconds}). */
    void terminate(int graceSeconds) {
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void readEvents(Path log) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("{")) {
                    events.add(Lines.read(line));
                } else {
                    Files.writeString(log, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
