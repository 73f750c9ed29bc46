package org.chat21.camel.operations;

import com.mongodb.client.MongoDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.api.TokenVerifier;
import org.chat21.camel.batch.BatchComponent;
import org.chat21.camel.broker.DurableQueues;
import org.chat21.camel.common.StoreInfo;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.group.Groups;
import org.chat21.camel.ratelimit.RateLimits;

/**
 * Operations: the warm-up before ready ({@code chat21.warmup*}) on the gate {@link GateConfig} bound, the metrics
 * that need code {@code serviceMetrics}. The dependencies'
 * watch and checks are infra.DependencySetup's (a store that comes back gets its indexes again).
 */
public class OperationsConfig implements CamelConfiguration {
    @PropertyInject("chat21.warmup")
    String warmup;
    @PropertyInject("chat21.warmup.max-messages")
    int warmupMessages;
    @PropertyInject("chat21.warmup.max-seconds")
    long warmupMaxSeconds;
    @PropertyInject("camel.server.host")
    String httpHost;
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject("camel.rest.context-path")
    String basePath;

    @Override
    public void configure(CamelContext context) throws Exception {
        // the delivery queue: the batch: component of routes/delivery.yaml (deliver-queued)
        BatchComponent deliveries = context.getComponent("batch", BatchComponent.class);
        MongoDatabase db = Wiring.bound(context, "chatDb", MongoDatabase.class);
        GracefulShutdown shutdown = Wiring.bound(context, "gracefulShutdown", GracefulShutdown.class);
        // warm before ready: the send path run and compiled before the gate opens (Warmup); auto: not on a stand-in
        String loopback = httpHost.isBlank() || "0.0.0.0".equals(httpHost) || "::".equals(httpHost) ? "127.0.0.1"
                : httpHost.contains(":") ? "[" + httpHost + "]" : httpHost;
        boolean standIns = Wiring.bound(context, "storeInfo", StoreInfo.class).standIn()
                || !Wiring.bound(context, "durableQueues", DurableQueues.class).rabbitmq();
        if (Warmup.wanted(warmup, standIns)) {
            shutdown.warmFirst(new Warmup(warmupMessages, warmupMaxSeconds * 1000, "http://" + loopback + ":" + httpPort
                    + basePath, Wiring.fromRoutes(context, "tokenVerifier", TokenVerifier.class), db,
                    Wiring.bound(context, "groups", Groups.class), deliveries));
        }

        // metrics that need code (ServiceMetrics), on the Prometheus registry once it exists
        ServiceMetrics metrics = new ServiceMetrics();
        context.getRegistry().bind("serviceMetrics", metrics);
        Wiring.whenFullyStarted(context, started -> {
            MeterRegistry registry = started.getRegistry().findSingleByType(MeterRegistry.class);
            if (registry != null) {
                metrics.bind(registry, db.getCollection("outbox"));
                // chat21_rate_limited_total{kind}: the rateLimits bean of routes/beans.yaml
                started.getRegistry().findByType(RateLimits.class).forEach(limits -> limits.bind(registry));
            }
        });
    }
}
