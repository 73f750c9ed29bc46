package org.chat21.camel.batch;

import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the body to its queue and returns at once. An item the queue does not take (full, or its route
 * stopped) is logged at DEBUG and goes no further here: the sender's own fallback has it (for deliveries,
 * the outbox and its relay), so a full queue never holds a request.
 */
class BatchProducer extends DefaultProducer {
    private static final Logger LOG = LoggerFactory.getLogger(BatchProducer.class);

    BatchProducer(BatchEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public BatchEndpoint getEndpoint() {
        return (BatchEndpoint) super.getEndpoint();
    }

    @Override
    public void process(Exchange exchange) {
        String name = getEndpoint().getName();
        BatchConsumer queue = getEndpoint().getComponent().queue(name);
        if (queue == null || !queue.offer(exchange.getMessage().getBody())) {
            LOG.debug("batch:{} did not take an item (queue full or its route stopped)", name);
        }
    }
}
