package org.chat21.camel.outbound;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The circuit breaker of every outbound remote (webhook endpoint), in the health report
 * ({@code /observe/health}: {@code chat21.outbound}, its message naming each circuit that is OPEN or HALF_OPEN,
 * a detail {@code circuit <name>} per remote where details are shown). Always UP: a remote that is down is its own business, not a reason to take this instance out of
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
        List<String> notClosed = new ArrayList<>();
        for (Route route : context.getRoutes()) {
            if (route.getConsumer() instanceof OutboundConsumer consumer) {
                builder.detail("circuit " + consumer.name(), consumer.circuit().name());
                if (consumer.circuit() != CircuitBreaker.State.CLOSED) {
                    notClosed.add(consumer.name() + " " + consumer.circuit());
                }
            }
        }
        builder.message(notClosed.isEmpty() ? "every circuit closed"
                : "circuits not closed (their events wait in their queues): " + String.join(", ", notClosed));
        builder.up();
    }
}
