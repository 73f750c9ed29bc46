package org.chat21.camel.outbound;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.chat21.camel.broker.DurableQueues;
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
 * {@code outbound:<queue>[?inFlight=64&name=...&failureRate=50&minimumCalls=20&openSeconds=30&halfOpenCalls=3
 * &partitions=1&ordered=false&declare=false&retryExchange=...&retrySchedule=...]}:
 * a route that starts from a durable queue of events bound for a remote system (a webhook endpoint), and
 * delivers them in parallel: up to {@code inFlight} at once per instance (the broker's prefetch), each one
 * acknowledged only when the route has finished it. A failed event leaves the queue for the retry stage of
 * its attempt ({@link RetryStages}); a remote that keeps failing opens its circuit breaker and its events wait
 * in the broker. With {@code partitions} and {@code ordered} (bridges): several queues, one event at a time
 * each, a conversation's events kept in order ({@link OrderedKeys}). See {@link OutboundConsumer}. Registered
 * as {@code outbound} by webhooks.WebhooksConfig.
 */
public class OutboundComponent extends DefaultComponent {
    private final CachingConnectionFactory connections;
    private final RetryStages stages;
    private final long recoveryMs;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService settlers;
    private final ExecutorService dispatchers;
    private final DurableQueues queues;
    private final Map<String, Object> bounds;
    /** other retry stages than the default ones, by exchange (a bridge's) */
    private final Map<String, RetryStages> otherStages = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param stages      the default retry stages (the webhooks')
     * @param recoveryMs  how often a consumer whose broker went away tries again
     * @param settlers    threads that acknowledge, park and count finished deliveries (off the HTTP client's
     *                    event loop: parking waits for the broker's confirm)
     * @param dispatchers threads that start each delivery's route: an asynchronous one (vertx-http) returns at
     *                    once; a blocking one (a chat system's component) holds one until its call is done
     * @param queues      the queues' type, and whether this is RabbitMQ (queue arguments such as single active
     *                    consumer) or the embedded broker
     * @param bounds      the arguments that bound the queues a consumer declares (length, age, where the overflow
     *                    goes), as the webhook endpoints' are bounded
     */
    public OutboundComponent(CachingConnectionFactory connections, RetryStages stages, long recoveryMs, int settlers,
                             int dispatchers, ScheduledExecutorService scheduler, DurableQueues queues,
                             Map<String, Object> bounds) {
        this.bounds = Map.copyOf(bounds);
        this.connections = connections;
        this.stages = stages;
        this.recoveryMs = recoveryMs;
        this.scheduler = scheduler;
        this.queues = queues;
        // their queues hold at most the deliveries in flight (each is dispatched and settled once): bounded by
        // the prefetches
        this.settlers = pool("outbound-settle", settlers);
        this.dispatchers = pool("outbound-dispatch", dispatchers);
    }

    private static ExecutorService pool(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(uri + ": the queue is missing (outbound:<queue>)");
        }
        String retryExchange = getAndRemoveParameter(parameters, "retryExchange", String.class, null);
        String retrySchedule = getAndRemoveParameter(parameters, "retrySchedule", String.class, null);
        RetryStages endpointStages = retryExchange == null ? stages : otherStages.computeIfAbsent(retryExchange,
                x -> stages.other(x, RetrySchedule.parse(retrySchedule == null ? stages.schedule().toString() : retrySchedule)));
        boolean ordered = getAndRemoveParameter(parameters, "ordered", Boolean.class, false);
        OutboundEndpoint.Settings settings = new OutboundEndpoint.Settings(
                remaining,
                getAndRemoveParameter(parameters, "name", String.class, remaining),
                ordered ? 1 : positive(uri, "inFlight", getAndRemoveParameter(parameters, "inFlight", Integer.class, 64)),
                positive(uri, "failureRate", getAndRemoveParameter(parameters, "failureRate", Integer.class, 50)),
                positive(uri, "minimumCalls", getAndRemoveParameter(parameters, "minimumCalls", Integer.class, 20)),
                Duration.ofSeconds(positive(uri, "openSeconds", getAndRemoveParameter(parameters, "openSeconds", Integer.class, 30))),
                positive(uri, "halfOpenCalls", getAndRemoveParameter(parameters, "halfOpenCalls", Integer.class, 3)),
                positive(uri, "partitions", getAndRemoveParameter(parameters, "partitions", Integer.class, 1)),
                ordered,
                getAndRemoveParameter(parameters, "declare", Boolean.class, false),
                endpointStages);
        if (ordered) {
            parameters.remove("inFlight");
        }
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

    ExecutorService dispatchers() {
        return dispatchers;
    }

    DurableQueues durableQueues() {
        return queues;
    }

    boolean rabbitmq() {
        return queues.declaredType() != null;
    }

    Map<String, Object> bounds() {
        return bounds;
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        dispatchers.shutdown();
        settlers.shutdown();
        settlers.awaitTermination(5, TimeUnit.SECONDS);
        otherStages.values().forEach(RetryStages::close);
    }
}
