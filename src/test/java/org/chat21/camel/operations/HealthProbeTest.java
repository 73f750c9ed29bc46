package org.chat21.camel.operations;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The container's health probe asks the readiness endpoint of the management port it is given. */
class HealthProbeTest {

    @Test
    void asksReadinessOnTheManagementPort() {
        assertEquals("http://127.0.0.1:9876/observe/health/ready", HealthProbe.url(Map.of()));
        assertEquals("http://127.0.0.1:9900/observe/health/ready",
                HealthProbe.url(Map.of("MANAGEMENT_PORT", "9900", "MANAGEMENT_HOST", "0.0.0.0")));
        assertEquals("http://10.0.0.5:9876/observe/health/ready", HealthProbe.url(Map.of("MANAGEMENT_HOST", "10.0.0.5")));
    }
}
