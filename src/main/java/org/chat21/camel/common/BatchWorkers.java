package org.chat21.camel.common;

import org.apache.camel.support.service.ServiceSupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Work that many callers hand in and a few threads do in batches: each worker takes whatever has arrived
 * as soon as it is free, up to {@code maxBatch}, so a lone item goes at once and batches form only under
 * load. Used by the outbox's group commit and by the batch: component (the delivery queue).
 *
 * <p>Under moderate load a worker also <em>lingers</em>: when what it found is a small batch and items
 * have been arriving faster than one per {@code linger}, it waits that long after the first item before
 * taking the rest, so that one round trip carries several items instead of one (at 1,000 items/s a batch of
 * 1 pays a write, a read and two thread wake-ups per item). It waits by parking for the whole window, not
 * by polling, so arrivals meanwhile wake nobody. When items are rare (an idle spell, a lone request) the
 * estimate says so and nothing waits: a lone item still goes at once. When they come so fast that batches
 * are large anyway, nothing waits either.
 */
public class BatchWorkers<T> extends ServiceSupport {
    /** how much of the newest rate sample the estimate takes (an EWMA): a few batches to follow a change */
    private static final double RATE_WEIGHT = 0.3;
    /**
     * a batch this large already shares its round trips: no lingering. Under heavy load batches form by
     * themselves, and a wait there would only lengthen each batch's turn (measured: one lingering worker
     * capped direct delivery at about 1,400 msg/s with the host 40 % idle)
     */
    static final int LINGER_BELOW = 8;

    private final String name;
    private final BlockingQueue<T> queue;
    private final int workers;
    private final int maxBatch;
    private final long lingerNanos;
    private final Consumer<List<T>> work;
    private ExecutorService executor;
    private volatile boolean running;
    /** items handed in and not done yet (counted before they are queued, so never below the truth) */
    private final AtomicInteger pending = new AtomicInteger();

    /**
     * @param lingerMicros how long a worker waits for more items under load (0: never; see the class comment)
     * @param work         does one batch; what it throws is the work's own business (it must handle it)
     */
    public BatchWorkers(String name, BlockingQueue<T> queue, int workers, int maxBatch, long lingerMicros,
                        Consumer<List<T>> work) {
        this.name = name;
        this.queue = queue;
        this.workers = workers;
        this.maxBatch = maxBatch;
        this.lingerNanos = TimeUnit.MICROSECONDS.toNanos(lingerMicros);
        this.work = work;
    }

    /** Hands an item in; false when it was not taken (stopped, or the queue is full). */
    public boolean offer(T item) {
        if (!running) {
            return false;
        }
        pending.incrementAndGet();
        if (queue.offer(item)) {
            return true;
        }
        pending.decrementAndGet();
        return false;
    }

    /**
     * Waits until every item handed in so far is done (a graceful stop: before the routes the work calls
     * are stopped); false if some are still queued or in progress at the deadline.
     */
    public boolean awaitIdle(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (pending.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    protected void doStart() {
        running = true;
        executor = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < workers; i++) {
            executor.execute(this::loop);
        }
    }

    private void loop() {
        List<T> batch = new ArrayList<>(maxBatch);
        Linger linger = new Linger(lingerNanos);
        while (running || !queue.isEmpty()) {
            try {
                T first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                long took = System.nanoTime();
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                if (running && batch.size() < Math.min(LINGER_BELOW, maxBatch) && linger.worthIt(took)) {
                    LockSupport.parkNanos(lingerNanos);
                    queue.drainTo(batch, maxBatch - batch.size());
                }
                linger.taken(took, batch.size());
                try {
                    work.accept(new ArrayList<>(batch));
                } finally {
                    pending.addAndGet(-batch.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * One worker's estimate of the arrival rate (items per nanosecond, an EWMA over its batches): lingering
     * is worth it when at least one more item is expected within the window.
     */
    static final class Linger {
        private final long nanos;
        /** whether a batch was taken yet (System.nanoTime may be any value, 0 included) */
        private boolean seen;
        private long lastTook;
        private double rate;

        Linger(long nanos) {
            this.nanos = nanos;
        }

        boolean worthIt(long now) {
            if (nanos <= 0 || !seen) {
                return false;
            }
            // a long gap since the last batch is an idle spell whatever the estimate says
            long gap = now - lastTook;
            return gap < 4 * nanos && rate * nanos >= 1.0;
        }

        void taken(long took, int items) {
            if (seen) {
                double sample = items / (double) Math.max(1, took - lastTook);
                rate = rate == 0 ? sample : RATE_WEIGHT * sample + (1 - RATE_WEIGHT) * rate;
            }
            lastTook = took;
            seen = true;
        }
    }

    /** Stops taking items; what is queued is still done, for up to 5 s. */
    @Override
    protected void doStop() throws InterruptedException {
        running = false;
        if (executor != null) {
            executor.shutdown();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
