package org.chat21.camel;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.chat21.camel.infra.EmbeddedBroker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A RabbitMQ node of a test's own (the machine's {@code rabbitmq-server}, on its own ports, node name and data
 * directory), so that a test can kill, restart and pause it without disturbing the others on the machine's
 * broker. Its data (durable queues, persistent messages) survives a kill, as a real broker's does.
 */
final class OwnRabbitMQ implements AutoCloseable {
    private static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");

    final int port;
    private final Path dir;
    private final int distPort;
    private final String node;
    private Process launcher;
    private long pid;

    OwnRabbitMQ() throws IOException {
        if (!Files.isExecutable(SERVER)) {
            throw new IllegalStateException(SERVER + " not found: this test starts a RabbitMQ node of its own");
        }
        dir = Files.createTempDirectory("own-rabbitmq-");
        port = EmbeddedBroker.freePort();
        distPort = EmbeddedBroker.freePort();
        node = "chat21test" + port + "@localhost";
        Files.writeString(dir.resolve("rabbitmq.conf"), "listeners.tcp.local = 127.0.0.1:" + port + "\n"
                + "loopback_users = none\n");
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
    }

    String uri() {
        return "amqp://guest:guest@127.0.0.1:" + port;
    }

    /** Starts the node (its data kept from a previous run), returning once it accepts a login. */
    void start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(SERVER.toString()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("out.log").toFile()));
        var env = pb.environment();
        env.put("HOME", dir.toString()); // its own Erlang cookie
        env.put("RABBITMQ_NODENAME", node);
        env.put("RABBITMQ_NODE_PORT", String.valueOf(port));
        env.put("RABBITMQ_DIST_PORT", String.valueOf(distPort));
        env.put("RABBITMQ_BASE", dir.toString());
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("data").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_PID_FILE", dir.resolve("pid").toString());
        launcher = pb.start();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri());
        factory.setConnectionTimeout(1000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            try (Connection ignored = factory.newConnection()) {
                break;
            } catch (Exception notYet) {
                if (!launcher.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("own RabbitMQ did not start, see " + dir.resolve("out.log") + ":\n"
                            + Files.readString(dir.resolve("out.log")));
                }
                Thread.sleep(100);
            }
        }
        pid = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
    }

    /** As a crash or {@code kill -9}: connections drop, new ones are refused. */
    void kill() throws Exception {
        signal("KILL");
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        launcher.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP: connections stay open, nothing is answered. */
    void pause() throws Exception {
        signal("STOP");
    }

    void resume() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        signal(pid, name);
    }

    /** kill -<name> <pid> (KILL, STOP, CONT): Java can send neither SIGSTOP nor SIGCONT. */
    static void signal(long pid, String name) throws Exception {
        new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start().waitFor();
    }

    @Override
    public void close() throws Exception {
        if (pid != 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            resume();
            kill();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
