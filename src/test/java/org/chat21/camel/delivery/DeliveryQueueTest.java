package org.chat21.camel.delivery;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryQueueTest {

    /** A batch whose broker went away (a node lost) is tried again; the third try gets through. */
    @Test
    void aBatchTheBrokerFailedIsTriedAgain() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        AtomicInteger delivered = new AtomicInteger();
        DeliveryQueue queue = new DeliveryQueue(batch -> {
            if (tries.incrementAndGet() < 3) {
                throw new RuntimeException(new IOException("connection reset"));
            }
            delivered.addAndGet(batch.size());
        }, 1, 10, 0, 10, 3, 10);
        queue.start();
        queue.submit(Map.of("message_id", "m1"));
        assertTrue(queue.awaitDelivered(5_000));
        assertEquals(3, tries.get());
        assertEquals(1, delivered.get());
        queue.stop();
    }

    /** A failure that is not an absence (a bug, bad data) is not tried again: the relay has it, and says so. */
    @Test
    void otherFailuresAreLeftToTheRelayAtOnce() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        DeliveryQueue queue = new DeliveryQueue(batch -> {
            tries.incrementAndGet();
            throw new IllegalStateException("bad");
        }, 1, 10, 0, 10, 3, 10);
        queue.start();
        queue.submit(Map.of("message_id", "m1"));
        assertTrue(queue.awaitDelivered(5_000));
        TimeUnit.MILLISECONDS.sleep(50);
        assertEquals(1, tries.get());
        queue.stop();
    }

    /** Past its retries a batch is left to the relay: the worker goes on with the next one. */
    @Test
    void anOutageLeavesTheBatchToTheRelayAfterItsRetries() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        DeliveryQueue queue = new DeliveryQueue(batch -> {
            tries.incrementAndGet();
            throw new RuntimeException(new IOException("refused"));
        }, 1, 10, 0, 10, 2, 10);
        queue.start();
        queue.submit(Map.of("message_id", "m1"));
        assertTrue(queue.awaitDelivered(5_000));
        assertEquals(3, tries.get(), "the first try and two more");
        queue.stop();
    }
}
