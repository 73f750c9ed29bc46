package org.chat21.camel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A three-node RabbitMQ cluster of a test's own, run by {@code deploy/rabbitmq/cluster.sh} (the machine's
 * {@code rabbitmq-server}, configured for Chat21 clients) in a directory and on ports of its own, so that a
 * test can kill and restart nodes without disturbing the machine's broker or another cluster. The script is
 * the one way to drive it, so that what a developer runs by hand is what the tests run.
 */
final class RabbitCluster implements AutoCloseable {
    private static final Path SCRIPT = Path.of("deploy/rabbitmq/cluster.sh").toAbsolutePath();
    /** AMQP, MQTT, Web-MQTT and Erlang distribution, three nodes each: the script's block from BASE_PORT. */
    private static final int PORTS = 12;

    private final Path dir;
    private final Path log;
    private final int basePort;
    private final Set<Integer> down = new HashSet<>();

    /** Starts the three nodes, returning once they run and are clustered (some 20 s). */
    RabbitCluster() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server"))) {
            throw new IllegalStateException("Debian's rabbitmq-server is not installed: this test starts a cluster of its own");
        }
        dir = Files.createTempDirectory("rabbit-cluster-");
        log = Files.createTempFile("rabbit-cluster-", ".log"); // outside dir, which clean removes
        basePort = freePortBlock();
        try {
            script("start");
        } catch (Throwable e) {
            try {
                close();
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    String uri(int node) {
        return "amqp://guest:guest@127.0.0.1:" + amqpPort(node);
    }

    int amqpPort(int node) {
        return basePort + index(node);
    }

    /** For a client that fails over: every node's AMQP address. */
    String addresses() {
        return "127.0.0.1:" + amqpPort(1) + ",127.0.0.1:" + amqpPort(2) + ",127.0.0.1:" + amqpPort(3);
    }

    int mqttPort(int node) {
        return basePort + 3 + index(node);
    }

    /** As a crash: kill -9, its data kept. */
    void kill(int node) throws Exception {
        script("kill", String.valueOf(index(node) + 1));
        down.add(node);
    }

    /** Node {@code node} again, with its data, returning once it is back in the cluster. */
    void start(int node) throws Exception {
        script("start-node", String.valueOf(index(node) + 1));
        down.remove(node);
    }

    /** A graceful stop of one node. */
    void stop(int node) throws Exception {
        script("stop-node", String.valueOf(index(node) + 1));
        down.add(node);
    }

    /** The node (1..3) whose member of quorum queue {@code queue} leads it, as a running node sees it. */
    int leaderOf(String queue) throws Exception {
        int asked = List.of(1, 2, 3).stream().filter(n -> !down.contains(n)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node runs"));
        String out = script("ctl", String.valueOf(asked), "-s", "list_queues", "name", "leader");
        Matcher leader = Pattern.compile("(?m)^" + Pattern.quote(queue) + "\\s+chat21-" + basePort + "-(\\d)@")
                .matcher(out);
        if (!leader.find()) {
            throw new IllegalStateException("no leader of queue " + queue + " in:\n" + out);
        }
        return Integer.parseInt(leader.group(1));
    }

    /** The node (1..3) that leads the most quorum queues, as a running node sees it. */
    int leadingMostQueues() throws Exception {
        int asked = List.of(1, 2, 3).stream().filter(n -> !down.contains(n)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node runs"));
        String out = script("ctl", String.valueOf(asked), "-s", "list_queues", "name", "leader");
        int[] led = new int[4];
        Matcher leader = Pattern.compile("(?m)\\schat21-" + basePort + "-(\\d)@").matcher(out);
        while (leader.find()) {
            led[Integer.parseInt(leader.group(1))]++;
        }
        int most = 1;
        for (int node = 2; node <= 3; node++) {
            most = led[node] > led[most] ? node : most;
        }
        return most;
    }

    /** Kills every node and removes their data. */
    @Override
    public void close() throws Exception {
        try {
            script("clean");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int index(int node) {
        if (node < 1 || node > 3) {
            throw new IllegalArgumentException("node " + node + ": the nodes are 1, 2 and 3");
        }
        return node - 1;
    }

    /** Runs the script on this cluster, returning what it printed; fails with its output unless it exits 0. */
    private String script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().put("CLUSTER_DIR", dir.toString());
        pb.environment().put("BASE_PORT", String.valueOf(basePort));
        Process process = pb.start();
        // the script's own waits end within 5 minutes; a hang past that is a bug worth a clear failure
        if (!process.waitFor(6, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("cluster.sh " + String.join(" ", args) + " hung:\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("cluster.sh " + String.join(" ", args) + " exited " + process.exitValue()
                    + ":\n" + out);
        }
        return out;
    }

    /**
     * The first of {@link #PORTS} consecutive free ports, below the kernel's ephemeral range (32768 and up) so
     * that no outgoing connection takes one of them between this check and the nodes' start.
     */
    private static int freePortBlock() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int first = ThreadLocalRandom.current().nextInt(20000, 32768 - PORTS);
            boolean free = true;
            for (int p = first; p < first + PORTS && free; p++) {
                try (ServerSocket ignored = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                    // free
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IOException("no " + PORTS + " consecutive free ports between 20000 and 32768");
    }
}
