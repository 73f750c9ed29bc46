package org.chat21.camel.common;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batches form under load (lingering when items come fast), and a lone item never waits. */
class BatchWorkersTest {
    final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    final List<Long> doneAt = new CopyOnWriteArrayList<>();
    BatchWorkers<Integer> workers;

    @AfterEach
    void stop() {
        workers.stop();
    }

    private void start(long lingerMicros) {
        workers = new BatchWorkers<>("test", new LinkedBlockingQueue<>(), 1, 100, lingerMicros, batch -> {
            batches.add(batch);
            doneAt.add(System.nanoTime());
        });
        workers.start();
    }

    @Test
    void itemsArrivingFasterThanTheWindowShareBatches() throws Exception {
        start(TimeUnit.MILLISECONDS.toMicros(40));
        // 200 items, one every 2 ms: 20 expected in every 40 ms window
        for (int i = 0; i < 200; i++) {
            assertTrue(workers.offer(i));
            Thread.sleep(2);
        }
        awaitItems(200);
        double mean = 200.0 / batches.size();
        assertTrue(mean >= 4, "mean batch " + mean + " over " + batches.size() + " batches");
        assertEquals(200, batches.stream().mapToInt(List::size).sum());
    }

    @Test
    void aLoneItemAfterAnIdleSpellGoesAtOnce() throws Exception {
        start(TimeUnit.MILLISECONDS.toMicros(400));
        // a busy spell teaches the estimate a high rate
        for (int i = 0; i < 50; i++) {
            workers.offer(i);
            Thread.sleep(1);
        }
        awaitItems(50);
        Thread.sleep(2_000);
        int before = batches.size();
        long sent = System.nanoTime();
        workers.offer(999);
        awaitItems(51);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(doneAt.get(before) - sent);
        // lingering would have held it 400 ms
        assertTrue(waitedMs < 300, "a lone item waited " + waitedMs + " ms");
        assertEquals(List.of(999), batches.get(before));
    }

    @Test
    void aBatchThatIsLargeAlreadyDoesNotWait() throws Exception {
        workers = new BatchWorkers<>("test", new LinkedBlockingQueue<>(), 1, 1000,
                TimeUnit.MILLISECONDS.toMicros(300), batch -> {
            batches.add(batch);
            doneAt.add(System.nanoTime());
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        workers.start();
        // items coming fast: the estimate says lingering would pay
        for (int i = 0; i < 50; i++) {
            workers.offer(i);
            Thread.sleep(2);
        }
        // a burst while the worker is busy: it finds them all waiting, far more than LINGER_BELOW
        for (int i = 50; i < 150; i++) {
            workers.offer(i);
        }
        long burst = System.nanoTime();
        awaitItems(150);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(doneAt.get(doneAt.size() - 1) - burst);
        // the batch under way (50 ms) and the burst's batch started at once; lingering would add 300 ms
        assertTrue(tookMs < 250, "the burst waited " + tookMs + " ms");
        assertTrue(batches.get(batches.size() - 1).size() >= BatchWorkers.LINGER_BELOW);
    }

    @Test
    void withoutLingerBatchesFormOnlyFromWhatWaits() throws Exception {
        start(0);
        long sent = System.nanoTime();
        workers.offer(1);
        awaitItems(1);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(doneAt.get(0) - sent) < 300);
        assertEquals(List.of(1), batches.get(0));
    }

    private void awaitItems(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (batches.stream().mapToInt(List::size).sum() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, batches.stream().mapToInt(List::size).sum());
    }

    @Test
    void awaitIdleWaitsUntilEveryItemHandedInIsDone() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        workers = new BatchWorkers<>("test", new LinkedBlockingQueue<>(), 1, 2, 0, batch -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batches.add(batch);
        });
        workers.start();
        for (int i = 0; i < 5; i++) {
            assertTrue(workers.offer(i));
        }
        // one batch held in progress, the rest queued
        assertTrue(!workers.awaitIdle(100), "idle while items are held");
        release.countDown();
        assertTrue(workers.awaitIdle(10_000));
        assertEquals(5, batches.stream().mapToInt(List::size).sum());
        assertTrue(workers.awaitIdle(0), "nothing handed in since");
    }
}
