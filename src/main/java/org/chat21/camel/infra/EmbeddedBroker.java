package org.chat21.camel.infra;

import org.apache.camel.support.service.ServiceSupport;
import org.apache.qpid.server.SystemLauncher;
import org.apache.qpid.server.SystemLauncherListener;
import org.apache.qpid.server.model.SystemConfig;

import java.io.IOException;
import java.lang.reflect.Field;
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

    /**
     * Qpid registers a JVM shutdown hook of its own that closes the broker at SIGTERM, at the same time as
     * Camel's stop begins: the consumers and the delivery queue then lose their broker mid-job (22 ERROR lines
     * and deliveries left for the relay, measured). The service stops the broker itself, last (this is among
     * the first services added to the context), so the hook goes. Qpid offers no setting for it: its
     * private field is read.
     */
    private static void removeQpidShutdownHook(SystemConfig<?> config) {
        Object broker = config == null ? null : config.getContainer();
        try {
            Class<?> type = broker.getClass();
            while (type != null && java.util.Arrays.stream(type.getDeclaredFields())
                    .noneMatch(f -> f.getName().equals("_shutdownHook"))) {
                type = type.getSuperclass();
            }
            Field hook = (type == null ? broker.getClass() : type).getDeclaredField("_shutdownHook");
            hook.setAccessible(true);
            Runtime.getRuntime().removeShutdownHook((Thread) hook.get(broker));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LoggerFactory.getLogger(EmbeddedBroker.class).warn(
                    "the embedded broker keeps its own shutdown hook; at SIGTERM it may stop before the routes: {}",
                    e.toString());
        }
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
