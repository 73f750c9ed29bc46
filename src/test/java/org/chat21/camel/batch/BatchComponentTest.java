package org.chat21.camel.batch;

import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The batch: component in a real Camel context, found by its service file as in the service. */
class BatchComponentTest {
    private CamelContext context;

    private ProducerTemplate start(String options, Consumer<List<?>> route) throws Exception {
        context = new DefaultCamelContext();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("batch:test?" + options).process(e -> route.accept(e.getMessage().getBody(List.class)));
            }
        });
        context.start();
        return context.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
    }

    /** What arrives while a worker is busy goes as one exchange, the body the list, in order. */
    @Test
    void itemsThatArriveTogetherAreOneBatch() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        List<List<?>> batches = Collections.synchronizedList(new ArrayList<>());
        ProducerTemplate producer = start("workers=1&batch=10", batch -> {
            batches.add(batch);
            if (batch.contains("first")) {
                await(busy);
            }
        });
        producer.sendBody("batch:test", "first");
        waitFor(() -> batches.size() == 1);
        for (int i = 0; i < 5; i++) {
            producer.sendBody("batch:test", "m" + i);
        }
        busy.countDown();
        assertTrue(context.getComponent("batch", BatchComponent.class).awaitIdle(5_000));
        assertEquals(List.of(List.of("first"), List.of("m0", "m1", "m2", "m3", "m4")), batches);
    }

    /** A batch whose broker went away (a node lost) is run again; the third try gets through. */
    @Test
    void aBatchTheBrokerFailedIsTriedAgain() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        AtomicInteger delivered = new AtomicInteger();
        ProducerTemplate producer = start("workers=1&retries=3&retryDelayMs=10", batch -> {
            if (tries.incrementAndGet() < 3) {
                throw new RuntimeException(new IOException("connection reset"));
            }
            delivered.addAndGet(batch.size());
        });
        producer.sendBody("batch:test", "m1");
        assertTrue(context.getComponent("batch", BatchComponent.class).awaitIdle(5_000));
        assertEquals(3, tries.get());
        assertEquals(1, delivered.get());
    }

    /** A failure that is not an absence (a bug, bad data) is not tried again: the sender's fallback has it. */
    @Test
    void otherFailuresAreNotTriedAgain() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        ProducerTemplate producer = start("workers=1&retries=3&retryDelayMs=10", batch -> {
            tries.incrementAndGet();
            throw new IllegalStateException("bad");
        });
        producer.sendBody("batch:test", "m1");
        assertTrue(context.getComponent("batch", BatchComponent.class).awaitIdle(5_000));
        TimeUnit.MILLISECONDS.sleep(50);
        assertEquals(1, tries.get());
    }

    /** Past its retries a batch is dropped here: the worker goes on with the next one. */
    @Test
    void anOutageDropsTheBatchAfterItsRetries() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        List<Object> delivered = Collections.synchronizedList(new ArrayList<>());
        ProducerTemplate producer = start("workers=1&retries=2&retryDelayMs=10", batch -> {
            if (batch.contains("m1")) {
                tries.incrementAndGet();
                throw new RuntimeException(new IOException("refused"));
            }
            delivered.addAll(batch);
        });
        producer.sendBody("batch:test", "m1");
        assertTrue(context.getComponent("batch", BatchComponent.class).awaitIdle(5_000));
        producer.sendBody("batch:test", "m2");
        assertTrue(context.getComponent("batch", BatchComponent.class).awaitIdle(5_000));
        assertEquals(3, tries.get(), "the first try and two more");
        assertEquals(List.of("m2"), delivered);
    }

    /** A full queue does not hold the sender: the item is not taken, and the send returns at once. */
    @Test
    void aFullQueueDoesNotHoldTheSender() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        List<Object> delivered = Collections.synchronizedList(new ArrayList<>());
        ProducerTemplate producer = start("workers=1&capacity=2", batch -> {
            delivered.addAll(batch);
            await(busy);
        });
        producer.sendBody("batch:test", "taken");
        waitFor(() -> delivered.size() == 1);
        long started = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            producer.sendBody("batch:test", "m" + i);
        }
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2));
        busy.countDown();
        assertTrue(context.getComponent("batch", BatchComponent.class).awaitIdle(5_000));
        assertEquals(List.of("taken", "m0", "m1"), delivered, "two queued, three not taken");
    }

    /** A misspelt option stops the route's creation instead of being ignored. */
    @Test
    void anUnknownOptionIsRefused() {
        context = new DefaultCamelContext();
        assertThrows(FailedToCreateRouteException.class, () -> {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("batch:test?wrokers=2").log("never");
                }
            });
            context.start();
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(5);
        }
    }
}
