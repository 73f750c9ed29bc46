package org.chat21.camel.infra;

import org.apache.camel.support.service.ServiceSupport;
import org.apache.qpid.server.SystemLauncher;
import org.apache.qpid.server.SystemLauncherListener;
import org.apache.qpid.server.model.SystemConfig;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * The zero-setup broker: Apache Qpid Broker-J in-process, speaking AMQP 0-9-1 on loopback with a
 * guest/guest login, so the spring-rabbitmq routes run against it unchanged. Its queues are in memory;
 * accepted messages are still never lost, because the outbox relay republishes any message whose
 * delivery did not finish (see {@link org.chat21.camel.send.Outbox#claimStale}).
 */
public class EmbeddedBroker extends ServiceSupport {
    private final Path workDir;
    private final int requestedPort;
    private SystemLauncher launcher;
    private int port;
    private volatile boolean hookRemoved;

    public EmbeddedBroker(Path workDir, int port) {
        this.workDir = workDir;
        this.requestedPort = port;
    }

    @Override
    protected void doStart() throws Exception {
        Files.createDirectories(workDir);
        port = requestedPort > 0 ? requestedPort : freePort();
        Map<String, Object> context = new HashMap<>();
        context.put("qpid.amqp_port", port);
        context.put("qpid.work_dir", workDir.toAbsolutePath().toString());
        context.put("QPID_WORK", workDir.toAbsolutePath().toString());
        // channels per connection as RabbitMQ allows (Qpid's default is 256): each open event stream holds one
        // of the service's connection, besides the publishers' cached channels
        context.put("qpid.port.sessionCountLimit", "2047");
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(SystemConfig.TYPE, "Memory");
        attributes.put(SystemConfig.INITIAL_CONFIGURATION_LOCATION,
                EmbeddedBroker.class.getResource("/embedded-broker.json").toExternalForm());
        attributes.put(SystemConfig.STARTUP_LOGGED_TO_SYSTEM_OUT, false);
        attributes.put(SystemConfig.CONTEXT, context);
        AtomicReference<SystemConfig<?>> system = new AtomicReference<>();
        launcher = new SystemLauncher(new SystemLauncherListener.DefaultSystemLauncherListener() {
            @Override
            public void onContainerResolve(SystemConfig<?> config) {
                system.set(config);
            }
        });
        launcher.startup(attributes);
        removeQpidShutdownHook(system.get());
    }

    /** Qpid's own JVM shutdown hook would stop the broker before the routes (see {@link QpidShutdownHook}). */
    private void removeQpidShutdownHook(SystemConfig<?> config) {
        try {
            hookRemoved = config != null && QpidShutdownHook.remove(config);
        } catch (ReflectiveOperationException | RuntimeException e) {
            hookRemoved = false;
        }
        if (!hookRemoved) {
            LoggerFactory.getLogger(EmbeddedBroker.class).warn(
                    "the embedded broker's own shutdown hook was not removed; at SIGTERM it may stop before the routes");
        }
    }

    /** Whether Qpid's shutdown hook was found and removed at start (QpidShutdownHookTest). */
    boolean hookRemoved() {
        return hookRemoved;
    }

    @Override
    protected void doStop() {
        if (launcher != null) {
            try {
                launcher.shutdown();
            } catch (RuntimeException e) {
                // already closed
            }
        }
    }

    public String uri() {
        return "amqp://guest:guest@127.0.0.1:" + port;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
