package org.chat21.camel.send;

import org.apache.camel.support.service.ServiceSupport;
import org.chat21.camel.common.Unavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Delivered messages leave the outbox together every few milliseconds, one {@code $in} delete on
 * {@code _id} for many messages, instead of a round trip per batch on the hot path. Losing a batch
 * (crash) is harmless: the relay delivers those entries again later and delivery is idempotent.
 */
public class OutboxBookkeeping extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxBookkeeping.class);
    private static final int MAX_BATCH = 1000;

    private final Consumer<List<String>> deliveredAll;
    private final long intervalMs;
    private final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
    private ScheduledExecutorService executor;

    /** @param deliveredAll removes many delivered messages in one write */
    public OutboxBookkeeping(Consumer<List<String>> deliveredAll, long intervalMs) {
        this.deliveredAll = deliveredAll;
        this.intervalMs = intervalMs;
    }

    public void delivered(String messageId) {
        delivered.add(messageId);
    }

    @Override
    protected void doStart() {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-bookkeeping");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::flush, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws InterruptedException {
        if (executor != null) {
            executor.shutdown();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
        flush();
    }

    synchronized void flush() {
        try {
            List<String> ids = new ArrayList<>();
            while (delivered.drainTo(ids, MAX_BATCH) > 0) {
                deliveredAll.accept(ids);
                ids.clear();
            }
        } catch (RuntimeException e) {
            if (Unavailable.is(e)) {
                LOG.debug("outbox bookkeeping failed; the relay will deliver those messages again: {}", e.toString());
            } else {
                LOG.warn("outbox bookkeeping failed; the relay will deliver those messages again: {}", e.toString());
            }
        }
    }
}
