package org.chat21.camel.delivery;

import org.apache.camel.support.service.ServiceSupport;
import org.chat21.camel.common.BatchWorkers;
import org.chat21.camel.common.Unavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Accepted messages on their way to delivery, in this process. A message is accepted once it is in the
 * outbox (MongoDB); the request is answered then, and the message is handed here. A few workers each take
 * whatever has arrived meanwhile, up to a batch, and deliver it in one go ({@code direct:deliver-batch}:
 * one write of all copies, one of all conversations, one publisher confirm): batches form by themselves
 * under load and cost nothing when idle (a lone message goes at once). What this process does not deliver
 * (queue full, a failed batch, the process killed) stays in the outbox, where the relay finds it.
 * Bound as {@code deliveries}.
 */
public class DeliveryQueue extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryQueue.class);

    private final BlockingQueue<Map<String, Object>> queue;
    private final BatchWorkers<Map<String, Object>> workers;

    /**
     * @param deliver    delivers a batch (the route {@code direct:deliver-batch}); a failure leaves it to the relay
     * @param lingerMicros under load, how long a worker waits after the first message for more (see
     *                   {@link BatchWorkers}); a lone message never waits
     * @param retries    a batch that failed because the broker or the store was away is tried again this many
     *                   times, {@code retryDelayMs} apart, before it is left to the relay: a broker node lost takes
     *                   its connection with it, and the client is on another node within about a second, sooner
     *                   than the relay's {@code pending-after-ms}. Deliveries are idempotent (copies keyed by
     *                   timeline and message id), so a batch tried again is never stored or published twice over
     */
    public DeliveryQueue(Consumer<List<Map<String, Object>>> deliver, int workers, int maxBatch, long lingerMicros,
                         int capacity, int retries, long retryDelayMs) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.workers = new BatchWorkers<>("delivery", queue, workers, maxBatch, lingerMicros, batch -> {
            for (int attempt = 0; ; attempt++) {
                try {
                    deliver.accept(batch);
                    return;
                } catch (RuntimeException e) {
                    // the route's exception comes wrapped (CamelExecutionException): say what actually failed
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    if (Unavailable.is(cause) && attempt < retries && pause(retryDelayMs)) {
                        LOG.debug("{} message(s) tried again, delivery failed: {}", batch.size(), cause.toString());
                        continue;
                    }
                    if (Unavailable.is(cause)) {
                        // the broker or the store is down: operations.DependencyWatch says so once
                        LOG.debug("{} message(s) left for the relay, delivery failed: {}", batch.size(), cause.toString());
                    } else {
                        LOG.warn("{} message(s) left for the relay, delivery failed: {}", batch.size(), cause.toString());
                    }
                    return;
                }
            }
        });
    }

    private static boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Hands an accepted (stored) message over for delivery; when the queue is full the relay delivers it. */
    public void submit(Map<String, Object> message) {
        if (!workers.offer(message)) {
            LOG.debug("message {} left for the relay (delivery queue full or stopped)", message.get("message_id"));
        }
    }

    /**
     * A graceful stop: waits, up to {@code timeoutMs}, until what was handed over is delivered (called while
     * the broker and the delivery route still run); true if it all was.
     */
    public boolean awaitDelivered(long timeoutMs) throws InterruptedException {
        return workers.awaitIdle(timeoutMs);
    }

    @Override
    protected void doStart() {
        workers.start();
    }

    @Override
    protected void doStop() {
        // what is still queued is in the outbox: the relay (here after a restart, or another instance) has it
        queue.clear();
        workers.stop();
    }
}
