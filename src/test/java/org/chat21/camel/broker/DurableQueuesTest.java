package org.chat21.camel.broker;

import org.chat21.camel.common.StartupFailure;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurableQueuesTest {

    @Test
    void quorumQueuesOnRabbitMq() {
        DurableQueues queues = new DurableQueues(" Quorum ", true);
        assertTrue(queues.quorum());
        assertEquals(Map.of("x-max-length", 5L, "x-queue-type", "quorum"), queues.arguments(Map.of("x-max-length", 5L)));
    }

    @Test
    void theirDeadLetteringIsAtLeastOnceWhereAMessageMustComeBack() {
        Map<String, Object> args = new DurableQueues("quorum", true).deadLetteredAtLeastOnce(Map.of("x-message-ttl", 1000L));
        assertEquals("at-least-once", args.get("x-dead-letter-strategy"));
        // the only overflow RabbitMQ allows with it
        assertEquals("reject-publish", args.get("x-overflow"));
        Map<String, Object> classic = new DurableQueues("classic", true).deadLetteredAtLeastOnce(Map.of("x-message-ttl", 1000L));
        assertEquals(Map.of("x-message-ttl", 1000L, "x-queue-type", "classic"), classic);
    }

    @Test
    void theEmbeddedBrokerIsAskedForNoType() {
        DurableQueues queues = new DurableQueues("quorum", false);
        assertNull(queues.declaredType());
        assertFalse(queues.quorum());
        assertEquals(Map.of(), queues.deadLetteredAtLeastOnce(Map.of()));
    }

    @Test
    void anotherTypeStopsTheStart() {
        StartupFailure e = assertThrows(StartupFailure.class, () -> new DurableQueues("stream", true));
        assertTrue(e.getMessage().contains("RABBITMQ_QUEUE_TYPE"), e.getMessage());
    }
}
