package org.chat21.camel.outbound;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code outbound:<queue>[?inFlight=64&name=...&failureRate=50&minimumCalls=20&openSeconds=30&halfOpenCalls=3]}:
 * a route that starts from a durable queue of events bound for a remote system (a webhook endpoint), and
 * delivers them in parallel: up to {@code inFlight} at once per instance (the broker's prefetch), each one
 * acknowledged only when the route has finished it. A failed event leaves the queue for the retry stage of
 * its attempt ({@link RetryStages}); a remote that keeps failing opens its circuit breaker and its events wait
 * in the broker. See {@link OutboundConsumer}. Registered as {@code outbound} by the composition root.
 */
public class OutboundComponent extends DefaultComponent {
    private final CachingConnectionFactory connections;
    private final RetryStages stages;
    private final long recoveryMs;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService settlers;

    /**
     * @param recoveryMs how often a consumer whose broker went away tries again
     * @param settlers   threads that acknowledge, park and count finished deliveries (off the HTTP client's
     *                   event loop: parking waits for the broker's confirm)
     */
    public OutboundComponent(CachingConnectionFactory connections, RetryStages stages, long recoveryMs, int settlers,
                             ScheduledExecutorService scheduler) {
        this.connections = connections;
        this.stages = stages;
        this.recoveryMs = recoveryMs;
        this.scheduler = scheduler;
        AtomicInteger n = new AtomicInteger();
        // its queue holds at most the deliveries in flight (each is settled once): bounded by the prefetches
        this.settlers = new ThreadPoolExecutor(settlers, settlers, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "outbound-settle-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(uri + ": the queue is missing (outbound:<queue>)");
        }
        OutboundEndpoint.Settings settings = new OutboundEndpoint.Settings(
                remaining,
                getAndRemoveParameter(parameters, "name", String.class, remaining),
                positive(uri, "inFlight", getAndRemoveParameter(parameters, "inFlight", Integer.class, 64)),
                positive(uri, "failureRate", getAndRemoveParameter(parameters, "failureRate", Integer.class, 50)),
                positive(uri, "minimumCalls", getAndRemoveParameter(parameters, "minimumCalls", Integer.class, 20)),
                Duration.ofSeconds(positive(uri, "openSeconds", getAndRemoveParameter(parameters, "openSeconds", Integer.class, 30))),
                positive(uri, "halfOpenCalls", getAndRemoveParameter(parameters, "halfOpenCalls", Integer.class, 3)));
        if (settings.failureRate() > 100) {
            throw new IllegalArgumentException(uri + ": failureRate is a percentage (1 to 100)");
        }
        return new OutboundEndpoint(uri, this, settings);
    }

    private static int positive(String uri, String name, Integer value) {
        if (value == null || value < 1) {
            throw new IllegalArgumentException(uri + ": " + name + " must be 1 or more");
        }
        return value;
    }

    CachingConnectionFactory connections() {
        return connections;
    }

    RetryStages stages() {
        return stages;
    }

    long recoveryMs() {
        return recoveryMs;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    ExecutorService settlers() {
        return settlers;
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        settlers.shutdown();
        settlers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
