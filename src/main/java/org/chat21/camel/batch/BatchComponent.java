package org.chat21.camel.batch;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code batch:<name>}: an in-process queue whose consumer takes what has arrived meanwhile as one exchange
 * (the body is the list), so that a route does one round trip for many items. {@code to: batch:<name>} hands
 * the body in without waiting; {@code from: batch:<name>?workers=..&batch=..&lingerUs=..&capacity=..} does
 * the batches (see {@link BatchConsumer}). Camel's seda: hands one exchange at a time and its aggregator
 * waits for a size or a timeout; this one sends a lone item at once and lets batches form under load
 * ({@link org.chat21.camel.common.BatchWorkers}), which is what the delivery of accepted messages measured
 * best (BENCHMARK.md, issue 9). Found by Camel from META-INF/services: nothing to bind.
 */
public class BatchComponent extends DefaultComponent {
    /** the started consumers' queues, by name: a producer finds its queue here when it sends */
    private final Map<String, BatchConsumer> queues = new ConcurrentHashMap<>();

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("batch: needs a queue name, e.g. batch:deliveries");
        }
        BatchEndpoint endpoint = new BatchEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    BatchConsumer queue(String name) {
        return queues.get(name);
    }

    void started(String name, BatchConsumer consumer) {
        if (queues.putIfAbsent(name, consumer) != null) {
            throw new IllegalStateException("batch:" + name + " has a consumer already: one route takes a queue");
        }
    }

    void stopped(String name, BatchConsumer consumer) {
        queues.remove(name, consumer);
    }

    /**
     * Waits, up to {@code timeoutMs}, until everything handed to any queue so far is done (a graceful stop,
     * while the routes still run; the warm-up); true if it all was.
     */
    public boolean awaitIdle(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (BatchConsumer consumer : queues.values()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0 || !consumer.awaitIdle(left)) {
                return false;
            }
        }
        return true;
    }
}
