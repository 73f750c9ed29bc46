package org.chat21.camel;

import org.chat21.camel.infra.EmbeddedBroker;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The integration tests' broker check on a machine without a broker (a closed port): it answers within a
 * couple of seconds, with the one line that names the set-up command. Needs no broker itself.
 */
class TestBrokerTest {

    @Test
    void aClosedAmqpPortIsOneLineNamingTheSetUpCommand() throws Exception {
        int closed = EmbeddedBroker.freePort();
        long start = System.nanoTime();
        String line = TestBroker.amqpProblem("amqp://guest:guest@127.0.0.1:" + closed, TestBroker.TIMEOUT_MS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("RabbitMQ is not reachable at amqp://127.0.0.1:" + closed + " (Connection refused): the "
                + "integration tests need the machine's RabbitMQ; set it up with `deploy/rabbitmq/setup-local.sh` "
                + "(configures MQTT, Web-MQTT and OAuth2 for Chat21 clients, and starts RabbitMQ with "
                + "`rabbitmq-server -detached` when it is down), or point TEST_RABBITMQ_URI at one", line);
        // generous: the check itself gives up after 2 s
        assertTrue(ms < 5000, "answered in " + ms + " ms");
    }

    @Test
    void aClosedWebMqttPortIsOneLineNamingTheSetUpScript() throws Exception {
        int closed = EmbeddedBroker.freePort();
        long start = System.nanoTime();
        String line = TestBroker.webMqttProblem("ws://127.0.0.1:" + closed + "/ws", TestBroker.TIMEOUT_MS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("RabbitMQ's Web-MQTT listener is not reachable at 127.0.0.1:" + closed + " (Connection refused): "
                + "the MQTT client tests need RabbitMQ configured for Chat21 clients; run "
                + "`deploy/rabbitmq/setup-local.sh` (configures MQTT, Web-MQTT and OAuth2 for Chat21 clients, and "
                + "starts RabbitMQ with `rabbitmq-server -detached` when it is down), or set TEST_WEB_MQTT_URI", line);
        assertTrue(ms < 5000, "answered in " + ms + " ms");
    }

    @Test
    void theLineIsThrownWithoutAStackTrace() {
        TestBroker.MissingBroker missing = new TestBroker.MissingBroker("what is missing");
        assertEquals("what is missing", missing.getMessage());
        assertEquals(0, missing.getStackTrace().length);
    }
}
