package org.chat21.camel.common;

import org.apache.camel.support.service.ServiceSupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Work that many callers hand in and a few threads do in batches: each worker takes whatever has arrived
 * as soon as it is free, up to {@code maxBatch}, so a lone item goes at once and batches form only under
 * load. Used by the outbox's group commit and by the delivery queue.
 */
public class BatchWorkers<T> extends ServiceSupport {
    private final String name;
    private final BlockingQueue<T> queue;
    private final int workers;
    private final int maxBatch;
    private final Consumer<List<T>> work;
    private ExecutorService executor;
    private volatile boolean running;

    /** @param work does one batch; what it throws is the work's own business (it must handle it) */
    public BatchWorkers(String name, BlockingQueue<T> queue, int workers, int maxBatch, Consumer<List<T>> work) {
        this.name = name;
        this.queue = queue;
        this.workers = workers;
        this.maxBatch = maxBatch;
        this.work = work;
    }

    /** Hands an item in; false when it was not taken (stopped, or the queue is full). */
    public boolean offer(T item) {
        return running && queue.offer(item);
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
        while (running || !queue.isEmpty()) {
            try {
                T first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                work.accept(new ArrayList<>(batch));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
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
