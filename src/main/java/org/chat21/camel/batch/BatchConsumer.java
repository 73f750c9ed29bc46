package org.chat21.camel.batch;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.chat21.camel.common.BatchWorkers;
import org.chat21.camel.common.Unavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The route that takes a {@code batch:} queue: a few workers each take whatever has arrived meanwhile, up to
 * a batch, and run it through the route as one exchange whose body is the list. A batch that failed because
 * the store or the broker was away ({@link Unavailable}: a broker node lost, the client on another node
 * within about a second) is run again {@code retries} times, {@code retryDelayMs} apart; the route must be
 * idempotent for that (delivery is: copies keyed by timeline and message id). Then, or for any other
 * failure, the batch is dropped here with a log line; the sender's fallback has it (the relay).
 */
class BatchConsumer extends DefaultConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(BatchConsumer.class);

    private final BatchEndpoint endpoint;
    private final BlockingQueue<Object> queue;
    private final BatchWorkers<Object> workers;

    BatchConsumer(BatchEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.queue = new ArrayBlockingQueue<>(endpoint.getCapacity());
        this.workers = new BatchWorkers<>("batch-" + endpoint.getName(), queue, endpoint.getWorkers(),
                endpoint.getBatch(), endpoint.getLingerUs(), this::process);
    }

    boolean offer(Object item) {
        return workers.offer(item);
    }

    boolean awaitIdle(long timeoutMs) throws InterruptedException {
        return workers.awaitIdle(timeoutMs);
    }

    private void process(List<Object> batch) {
        for (int attempt = 0; ; attempt++) {
            Exchange exchange = createExchange(false);
            exchange.getMessage().setBody(batch);
            Throwable failure;
            try {
                getProcessor().process(exchange);
                failure = exchange.getException();
            } catch (Exception e) {
                failure = e;
            } finally {
                releaseExchange(exchange, false);
            }
            if (failure == null) {
                return;
            }
            if (Unavailable.is(failure) && attempt < endpoint.getRetries() && pause(endpoint.getRetryDelayMs())) {
                LOG.debug("batch:{}: {} item(s) run again, failed: {}", endpoint.getName(), batch.size(), failure.toString());
                continue;
            }
            if (Unavailable.is(failure)) {
                // the broker or the store is down: operations.DependencyWatch says so once
                LOG.debug("batch:{}: {} item(s) dropped here, failed: {}", endpoint.getName(), batch.size(), failure.toString());
            } else {
                LOG.warn("batch:{}: {} item(s) dropped here, failed: {}", endpoint.getName(), batch.size(), failure.toString());
            }
            return;
        }
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

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        workers.start();
        endpoint.getComponent().started(endpoint.getName(), this);
    }

    @Override
    protected void doStop() throws Exception {
        endpoint.getComponent().stopped(endpoint.getName(), this);
        // what is still queued is the sender's fallback's (for deliveries: in the outbox, for the relay)
        queue.clear();
        workers.stop();
        super.doStop();
    }
}
