package org.chat21.camel.operations;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.health.HealthCheckRegistry;
import org.chat21.camel.batch.BatchComponent;

/**
 * The start and stop gate {@code gracefulShutdown} ({@code chat21.shutdown.drain-ms}), first of the configurations:
 * its start-up listener must run before the others' (a broker round trip in one of them kept the API server
 * listening without the gate, and a request met the empty router's 404: ShutdownIT). The warm-up is attached to it
 * later ({@link OperationsConfig}).
 */
public class GateConfig implements CamelConfiguration {
    @PropertyInject("chat21.shutdown.drain-ms")
    long shutdownDrainMs;
    @PropertyInject("camel.server.port")
    int httpPort;

    @Override
    public void configure(CamelContext context) throws Exception {
        // a stop refuses new requests (503), finishes those in flight and the queued deliveries (the batch: queues
        // of routes/delivery.yaml), before any route stops; readiness DOWN meanwhile
        GracefulShutdown shutdown = new GracefulShutdown(httpPort, shutdownDrainMs,
                context.getComponent("batch", BatchComponent.class),
                // event streams never end by themselves: not waited for (closed when their service stops)
                path -> path.endsWith("/events"));
        context.addLifecycleStrategy(shutdown);
        context.addStartupListener(shutdown);
        context.getRegistry().bind("gracefulShutdown", shutdown);
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(new DependencyCheck("accepting-requests", shutdown::requireAccepting));
        }
    }
}
