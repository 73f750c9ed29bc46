package org.chat21.camel.webhooks;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs before each new attempt at a webhook POST (the route template's error handler, onRedeliveryRef):
 * counts the retry and tells the receiver which attempt this is ({@code X-Chat21-Attempt}, 1 for the first
 * POST, set by the route). Bound as {@code webhookRetries}.
 */
public class WebhookRetries implements Processor {
    public static final String ATTEMPT = "X-Chat21-Attempt";
    private final AtomicLong retries = new AtomicLong();

    @Override
    public void process(Exchange exchange) {
        retries.incrementAndGet();
        Integer counter = exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class);
        exchange.getIn().setHeader(ATTEMPT, String.valueOf(counter == null ? 2 : counter + 1));
    }

    /** Retries since the start, over every endpoint. */
    public long count() {
        return retries.get();
    }
}
