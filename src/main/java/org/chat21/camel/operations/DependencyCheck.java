package org.chat21.camel.operations;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * A readiness check of one dependency (MongoDB, RabbitMQ) in Camel's health registry: the service is ready
 * only while it can reach it ({@code /observe/health/ready} answers 503 otherwise). Not a liveness check: a
 * dependency that is down is no reason to restart the process.
 */
public class DependencyCheck extends AbstractHealthCheck {
    /** Reaches the dependency, or throws why it cannot. */
    public interface Probe {
        void probe() throws Exception;
    }

    private final Probe probe;

    public DependencyCheck(String name, Probe probe) {
        super("chat21", name);
        this.probe = probe;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            probe.probe();
            builder.up();
        } catch (Exception e) {
            builder.message(getId() + " unreachable: " + e.getMessage());
            builder.error(e);
            builder.down();
        }
    }
}
