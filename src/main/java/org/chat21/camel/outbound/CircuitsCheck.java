package org.chat21.camel.outbound;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * The circuit breaker of every outbound remote (webhook endpoint), in the health report
 * ({@code /observe/health}: {@code chat21.outbound} with a detail {@code circuit <name>} = CLOSED, OPEN or
 * HALF_OPEN). Always UP: a remote that is down is its own business, not a reason to take this instance out of
 * service, so readiness never fails on it.
 */
public class CircuitsCheck extends AbstractHealthCheck {
    private final CamelContext context;

    public CircuitsCheck(CamelContext context) {
        super("chat21", "outbound");
        this.context = context;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        int open = 0;
        for (Route route : context.getRoutes()) {
            if (route.getConsumer() instanceof OutboundConsumer consumer) {
                builder.detail("circuit " + consumer.name(), consumer.circuit().name());
                if (consumer.circuit() != io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED) {
                    open++;
                }
            }
        }
        builder.message(open == 0 ? "every circuit closed" : open + " circuit(s) not closed: their events wait in their queues");
        builder.up();
    }
}
