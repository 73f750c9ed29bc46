package org.chat21.camel.outbound;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.chat21.camel.broker.BrokerRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers the events of one queue through its route, many at once, and settles each when the route is done
 * with it:
 * <ul>
 * <li>in flight: the channel's prefetch ({@code inFlight}) bounds the events this instance holds; the route
 * runs asynchronously (its HTTP call is Vert.x's), so no thread waits on a remote;</li>
 * <li>done: acknowledged; failed: parked in the retry stage of its attempt (confirmed), then acknowledged, so
 * a killed process leaves it in the queue or in the stage, never nowhere (at least once; receivers dedupe by
 * event id). The route sees the attempt as variables {@code attempt} and {@code lastAttempt}: on the last one
 * it dead-letters the event itself, and the failure it handled still counts against the remote;</li>
 * <li>circuit breaker (resilience4j): when {@code failureRate}% of the last first attempts failed (retries are
 * not counted: they are events known to have failed there once; while it probes, every call counts), the consumer stops
 * taking events (they wait in the queue, not in memory) for {@code openSeconds}, then lets
 * {@code halfOpenCalls} probes through, which close it again or reopen it;</li>
 * <li>a lost broker: the channel is made again every {@code recoveryMs}; what was not acknowledged is
 * redelivered by the broker.</li>
 * </ul>
 * Metrics per remote ({@code endpoint} = its name): {@code chat21_webhook_in_flight}, {@code _delivered_total},
 * {@code _failed_attempts_total}, {@code _retried_total}, {@code _dead_lettered_total}, {@code _queue_depth},
 * {@code _circuit_state} (0 closed, 1 open, 2 half open) and {@code _delivery_seconds} (from the event's
 * publication to the remote's answer, retries included).
 */
public class OutboundConsumer extends org.apache.camel.support.DefaultConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundConsumer.class);
    /** the attempt number a message carries (absent: the first) */
    public static final String ATTEMPT = "x-chat21-attempt";
    /** when the event was published (epoch ms), for the delivery latency */
    public static final String PUBLISHED_AT = "x-chat21-published-at";
    /** an ordered consumer's key: the conversation the event belongs to */
    public static final String KEY = "x-chat21-key";
    /** set on an event held behind a failed one of its conversation (not attempted): its number in the queue */
    static final String HELD = "x-chat21-held";
    /** set on a failed event parked for its next attempt (its conversation's head, when ordered) */
    static final String RETRY = "x-chat21-retry";
    private static final long DEPTH_EVERY_MS = 5000;

    private final OutboundEndpoint.Settings settings;
    private final OutboundComponent component;
    private final RetrySchedule schedule;
    private final RetryStages stages;
    private final CircuitBreaker breaker;
    private final OrderedKeys keys = new OrderedKeys();
    private final Object lock = new Object();
    private Channel channel;
    /** queue -> consumer tag, while consuming */
    private final Map<String, String> consumerTags = new HashMap<>();
    private boolean declared;
    private volatile boolean paused;
    /** a remote that said "too many requests" is not called before this (epoch ms) */
    private volatile long pausedUntil;
    private volatile boolean brokerLost;
    /** why the last call failed, for the line that says the circuit opened */
    private volatile String lastFailure = "";
    /** why it could not consume last time (told once) */
    private String notConsuming;
    private ScheduledFuture<?> watch;
    private long depthCheckedAt;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong depth = new AtomicLong();
    private final List<Meter> meters = new ArrayList<>();
    private MeterRegistry registry;
    private Counter delivered;
    private Counter failedAttempts;
    private Counter retried;
    private Counter deadLettered;
    private Timer latency;

    OutboundConsumer(OutboundEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.settings = endpoint.settings();
        this.component = endpoint.getComponent();
        this.stages = settings.stages();
        this.schedule = stages.schedule();
        this.breaker = CircuitBreaker.of(settings.name(), CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRate())
                .minimumNumberOfCalls(settings.minimumCalls())
                .slidingWindowSize(Math.max(100, settings.minimumCalls()))
                .waitDurationInOpenState(settings.open())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .recordExceptions(Throwable.class)
                .build());
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            if (to == CircuitBreaker.State.OPEN) {
                LOG.warn("{}: circuit open after {}% failed calls (the last: {}): its events wait in queue {} for {} s",
                        settings.name(), Math.round(breaker.getMetrics().getFailureRate()), lastFailure, settings.queue(),
                        settings.open().toSeconds());
            } else if (to == CircuitBreaker.State.CLOSED) {
                LOG.info("{}: circuit closed, delivering again", settings.name());
            }
            if (to != CircuitBreaker.State.OPEN) {
                paused = false;
            }
            // the breaker's own timer may fire after this consumer (and the service) stopped
            if (isRunAllowed()) {
                try {
                    component.scheduler().execute(this::reconcile);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    LOG.debug("{}: stopping", settings.name());
                }
            }
        });
    }

    public CircuitBreaker.State circuit() {
        return breaker.getState();
    }

    public String name() {
        return settings.name();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        stages.start();
        bindMeters();
        // the queues it declares exist before the route's policy starts publishing to them (a message published to
        // a queue that is not there yet would be dropped by the broker)
        reconcile();
        watch = component.scheduler().scheduleWithFixedDelay(this::reconcile, component.recoveryMs(), component.recoveryMs(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception {
        if (watch != null) {
            watch.cancel(false);
        }
        synchronized (lock) {
            cancel();
        }
        // what is in flight is settled (acknowledged or parked) before the channel goes; what is not by then is
        // redelivered by the broker
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        synchronized (lock) {
            closeChannel();
        }
        meters.forEach(registry::remove);
        meters.clear();
        super.doStop();
    }

    /** Consumes when it should (running, breaker not open, not told to wait, broker there) and not otherwise. */
    private void reconcile() {
        synchronized (lock) {
            try {
                if (channel != null && !channel.isOpen()) {
                    channel = null;
                    consumerTags.clear();
                }
                boolean want = isRunAllowed() && !isSuspendingOrSuspended() && !paused
                        && System.currentTimeMillis() >= pausedUntil
                        && breaker.getState() != CircuitBreaker.State.OPEN
                        && breaker.getState() != CircuitBreaker.State.FORCED_OPEN;
                if (!want) {
                    cancel();
                    return;
                }
                if (channel == null) {
                    channel = component.connections().createConnection().getDelegate().createChannel();
                    // per consumer (each queue): an ordered partition gets one event at a time
                    channel.basicQos(settings.inFlight(), false);
                    if (settings.declare() && !declared) {
                        declareQueues(channel);
                        declared = true;
                    }
                }
                for (String queue : settings.queues()) {
                    if (!consumerTags.containsKey(queue)) {
                        consumerTags.put(queue, channel.basicConsume(queue, false, new Deliveries(channel, queue)));
                    }
                }
                if (brokerLost) {
                    LOG.info("{}: consuming {} again", settings.name(), settings.queue());
                    brokerLost = false;
                }
                notConsuming = null;
                long now = System.currentTimeMillis();
                if (now - depthCheckedAt >= DEPTH_EVERY_MS) {
                    depthCheckedAt = now;
                    long total = 0;
                    for (String queue : settings.queues()) {
                        total += channel.messageCount(queue);
                    }
                    depth.set(total);
                }
            } catch (Exception e) {
                // the broker is away (told once by the outage watch); a queue it refuses (not there, declared with
                // other arguments, not allowed) is told once, here
                BrokerRefusal refusal = BrokerRefusal.of(e);
                String why = refusal != null ? refusal.text() : String.valueOf(e.getCause() != null ? e.getCause() : e);
                if (refusal != null && !why.equals(notConsuming)) {
                    LOG.warn("{}: cannot consume {}: {}", settings.name(), settings.queue(), why);
                }
                notConsuming = why;
                LOG.debug("{}: not consuming {}: {}", settings.name(), settings.queue(), e.toString());
                brokerLost = true;
                declared = false;
                closeChannel();
            }
        }
    }

    /** The partition queues (durable; one active consumer each on RabbitMQ) and their way back from the stages. */
    private void declareQueues(Channel on) throws IOException {
        stages.declare(on);
        // bounded as a webhook endpoint's queue: what overflows or ages out goes to the dead-letter store
        Map<String, Object> args = new HashMap<>(component.bounds());
        if (component.rabbitmq() && settings.ordered()) {
            args.put("x-single-active-consumer", true);
        }
        for (String queue : settings.queues()) {
            component.durableQueues().declare(on.getConnection(), queue, component.durableQueues().arguments(args),
                    settings.name());
            stages.bindTarget(on, queue);
        }
        if (settings.partitions() > 1) {
            removeSingleQueue(on.getConnection());
        }
    }

    /**
     * A bridge of an earlier version read one queue, {@code <queue>}, bound to the events exchange: left there it
     * would grow by every event of its conversation. Deleted, told with what it held.
     */
    private void removeSingleQueue(com.rabbitmq.client.Connection connection) {
        try (Channel probe = connection.createChannel()) {
            probe.queueDeclarePassive(settings.queue());
        } catch (Exception notThere) {
            return;
        }
        try (Channel delete = connection.createChannel()) {
            int lost = delete.queueDelete(settings.queue()).getMessageCount();
            LOG.warn("{}: the single queue {} of an earlier version was deleted with {} message(s); its messages now go "
                    + "through {}.0 to .{}", settings.name(), settings.queue(), lost, settings.queue(), settings.partitions() - 1);
        } catch (Exception e) {
            LOG.warn("{}: could not delete the single queue {} of an earlier version: {}", settings.name(), settings.queue(),
                    e.toString());
        }
    }

    private void cancel() {
        if (channel != null && channel.isOpen()) {
            for (String tag : consumerTags.values()) {
                try {
                    channel.basicCancel(tag);
                } catch (Exception e) {
                    LOG.debug("{}: cancel: {}", settings.name(), e.toString());
                }
            }
        }
        consumerTags.clear();
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                if (channel.isOpen()) {
                    channel.close();
                }
            } catch (Exception e) {
                LOG.debug("{}: close: {}", settings.name(), e.toString());
            }
        }
        channel = null;
        consumerTags.clear();
    }

    /** The broker's deliveries of one queue, on the channel's own dispatch thread: handed on at once. */
    private final class Deliveries extends DefaultConsumer {
        private final String queue;

        Deliveries(Channel channel, String queue) {
            super(channel);
            this.queue = queue;
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            Channel on = getChannel();
            Map<String, Object> amqpHeaders = props.getHeaders() == null ? Map.of() : props.getHeaders();
            String key = settings.ordered() && amqpHeaders.get(KEY) != null ? amqpHeaders.get(KEY).toString() : null;
            long held = amqpHeaders.get(HELD) instanceof Number n ? n.longValue() : 0;
            boolean retry = "true".equals(String.valueOf(amqpHeaders.get(RETRY)));
            if (settings.ordered() && keys.arrive(key, held, retry) == OrderedKeys.Decision.HOLD) {
                // behind a failed event of its conversation: parked unattempted, in order
                component.settlers().execute(() -> hold(on, envelope.getDeliveryTag(), queue, props, body, key, held));
                return;
            }
            if (!breaker.tryAcquirePermission()) {
                // open (or enough probes out): no more until the breaker says so
                paused = true;
                component.scheduler().execute(OutboundConsumer.this::reconcile);
                if (settings.ordered()) {
                    // kept, unacknowledged, and offered again: given back, a quorum queue may deliver the next event
                    // of its conversation (already on its way for the credit the return freed) before it
                    component.scheduler().schedule(() -> {
                        if (isRunAllowed() && on.isOpen()) { // else its channel gave it back to the queue
                            handleDelivery(tag, envelope, props, body);
                        }
                    }, REOFFER_MS, TimeUnit.MILLISECONDS);
                } else {
                    settleQuietly(on, envelope.getDeliveryTag(), false);
                }
                return;
            }
            int attempt = amqpHeaders.get(ATTEMPT) instanceof Number n ? Math.max(1, n.intValue()) : 1;
            Exchange exchange = createExchange(false);
            exchange.getMessage().setBody(body);
            amqpHeaders.forEach((k, v) -> exchange.getMessage().setHeader(k, v == null ? null : v.toString()));
            exchange.setVariable("attempt", attempt);
            exchange.setVariable("lastAttempt", schedule.isLast(attempt));
            exchange.setVariable("outboundQueue", queue);
            inFlight.incrementAndGet();
            long started = System.nanoTime();
            Delivery delivery = new Delivery(exchange, on, envelope.getDeliveryTag(), queue, props, body, attempt,
                    settings.ordered() ? key : null, held, started);
            // a route that blocks (a chat system's component) holds a dispatcher, not this channel's thread (which
            // every partition of the channel shares); an asynchronous one (vertx-http) returns at once
            component.dispatchers().execute(() -> {
                try {
                    getAsyncProcessor().process(exchange, doneSync -> component.settlers().execute(() -> settle(delivery)));
                } catch (Throwable e) {
                    exchange.setException(e);
                    component.settlers().execute(() -> settle(delivery));
                }
            });
        }

        @Override
        public void handleCancel(String tag) {
            // the queue was deleted (or the node holding it went): consume again when it is back
            synchronized (lock) {
                consumerTags.values().remove(tag);
            }
        }
    }

    /** One event under way. */
    private record Delivery(Exchange exchange, Channel on, long deliveryTag, String queue, AMQP.BasicProperties props,
                            byte[] body, int attempt, String key, long held, long started) {
    }

    /** Parks an event held behind a failed one of its conversation, in the shortest stage, unattempted. */
    private void hold(Channel on, long deliveryTag, String queue, AMQP.BasicProperties props, byte[] body, String key,
                      long held) {
        try {
            Map<String, Object> headers = new HashMap<>(props.getHeaders() == null ? Map.of() : props.getHeaders());
            long number = held > 0 ? held : keys.number(key);
            headers.put(HELD, number);
            headers.remove(RETRY);
            stages.park(queue, stages.shortest(), body, headers, props.getContentType());
            keys.heldParked(key, number);
            ack(on, deliveryTag);
        } catch (Exception e) {
            LOG.debug("{}: could not hold an event: {}", settings.name(), e.toString());
            settleQuietly(on, deliveryTag, false);
        }
    }

    /** how soon an ordered event the breaker refused is offered to it again */
    private static final long REOFFER_MS = 500;

    /** the partition queue a bridge's event was published to (for whoever reads the message) */
    public static final String PARTITION = "x-chat21-queue";

    /** Acknowledges a finished delivery, or parks a failed one in its retry stage first. */
    private void settle(Delivery d) {
        Exchange exchange = d.exchange();
        AMQP.BasicProperties props = d.props();
        int attempt = d.attempt();
        try {
            Exception failure = exchange.getException() != null ? exchange.getException()
                    : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            long took = System.nanoTime() - d.started();
            // what the breaker judges the remote by: first attempts, and every call while it probes. Retries are
            // events that already failed there once: a burst of them (they come back together) says nothing new
            // about the remote, and counted as calls they would open the circuit of an endpoint that serves
            // nine events in ten
            boolean judged = attempt == 1 || breaker.getState() != CircuitBreaker.State.CLOSED;
            if (failure == null) {
                if (judged) {
                    breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                } else {
                    breaker.releasePermission();
                }
                count(delivered);
                if (latency != null && props.getHeaders() != null && props.getHeaders().get(PUBLISHED_AT) instanceof Number at) {
                    latency.record(Math.max(0, System.currentTimeMillis() - at.longValue()), TimeUnit.MILLISECONDS);
                }
                keys.through(d.key());
                left(d);
                ack(d.on(), d.deliveryTag());
                return;
            }
            lastFailure = String.valueOf(failure.getMessage());
            LOG.debug("{}: attempt {} of event {} failed: {}", settings.name(), attempt, header(props, "X-Chat21-Event-Id"),
                    lastFailure);
            count(failedAttempts);
            Duration retryAfter = exchange.getException() == null ? null : RetryAfter.of(failure);
            if (retryAfter != null) {
                // the remote asks to slow down: no call to it for that long, this event not counted against it
                // (nor its attempt spent), parked until then
                breaker.releasePermission();
                pauseFor(retryAfter);
                park(d, attempt, stages.stageAtLeast(retryAfter));
                return;
            }
            if (judged) {
                breaker.onError(took, TimeUnit.NANOSECONDS, failure);
            } else {
                breaker.releasePermission();
            }
            if (exchange.getException() == null) {
                // the route handled it (its last attempt: dead-lettered)
                count(deadLettered);
                keys.through(d.key());
                left(d);
                ack(d.on(), d.deliveryTag());
                return;
            }
            if (schedule.stages().isEmpty()) {
                LOG.warn("{}: event {} failed and no retries are scheduled: dropped ({})", settings.name(),
                        header(props, "X-Chat21-Event-Id"), failure.getMessage());
                keys.through(d.key());
                left(d);
                ack(d.on(), d.deliveryTag());
                return;
            }
            // not the last attempt: the next one is due after its wait; the last one that the route could not
            // dead-letter (the store down): kept in the last stage, tried again
            int next = schedule.isLast(attempt) ? attempt : attempt + 1;
            if (next == attempt) {
                LOG.warn("{}: event {} failed its last attempt and could not be dead-lettered: tried again in {}",
                        settings.name(), header(props, "X-Chat21-Event-Id"), RetrySchedule.label(schedule.delayAfter(attempt)));
            }
            park(d, next, schedule.delayAfter(attempt));
            count(retried);
        } catch (Exception e) {
            // not parked (the broker away): back to the queue, the broker delivers it again
            LOG.debug("{}: could not settle a delivery: {}", settings.name(), e.toString());
            settleQuietly(d.on(), d.deliveryTag(), false);
        } finally {
            inFlight.decrementAndGet();
            releaseExchange(exchange, false);
        }
    }

    /** Parks a failed event for attempt {@code next} in the stage of {@code wait}, then acknowledges it. */
    private void park(Delivery d, int next, Duration wait) throws Exception {
        Map<String, Object> headers = new HashMap<>(d.props().getHeaders() == null ? Map.of() : d.props().getHeaders());
        headers.put(ATTEMPT, next);
        headers.remove(HELD);
        headers.put(RETRY, true);
        // back to the queue it came from (its partition)
        stages.park(d.queue(), wait, d.body(), headers, d.props().getContentType());
        keys.failed(d.key());
        left(d);
        ack(d.on(), d.deliveryTag());
    }

    /** A held event that was delivered is no longer held once settled (taken, or parked as the failed one). */
    private void left(Delivery d) {
        if (d.held() > 0) {
            keys.left(d.key(), d.held());
        }
    }

    private void pauseFor(Duration wait) {
        long until = System.currentTimeMillis() + wait.toMillis();
        if (until > pausedUntil) {
            pausedUntil = until;
            LOG.info("{}: the remote asked to wait {} ms (429): not called until then", settings.name(), wait.toMillis());
            component.scheduler().execute(this::reconcile);
            component.scheduler().schedule(this::reconcile, wait.toMillis() + 10, TimeUnit.MILLISECONDS);
        }
    }

    private static String header(AMQP.BasicProperties props, String name) {
        Object value = props.getHeaders() == null ? null : props.getHeaders().get(name);
        return value == null ? "?" : value.toString();
    }

    private void ack(Channel on, long deliveryTag) throws IOException {
        if (on.isOpen()) {
            on.basicAck(deliveryTag, false);
        }
    }

    /** Returns a delivery to the queue; on a closed channel the broker already did. */
    private void settleQuietly(Channel on, long deliveryTag, boolean ack) {
        try {
            if (on.isOpen()) {
                if (ack) {
                    on.basicAck(deliveryTag, false);
                } else {
                    on.basicNack(deliveryTag, false, true);
                }
            }
        } catch (Exception e) {
            LOG.debug("{}: {}", settings.name(), e.toString());
        }
    }

    private static void count(Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }

    private void bindMeters() {
        registry = getEndpoint().getCamelContext().getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            return;
        }
        Tags tags = Tags.of("endpoint", settings.name());
        meters.add(Gauge.builder("chat21.webhook.in.flight", inFlight, AtomicInteger::get).tags(tags).strongReference(true)
                .description("deliveries under way").register(registry));
        meters.add(Gauge.builder("chat21.webhook.queue.depth", depth, AtomicLong::get).tags(tags).strongReference(true)
                .description("events waiting in the endpoint's queue (read every 5 s)").register(registry));
        meters.add(Gauge.builder("chat21.webhook.circuit.state", breaker, b -> switch (b.getState()) {
                    case CLOSED -> 0;
                    case OPEN, FORCED_OPEN -> 1;
                    default -> 2;
                }).tags(tags).strongReference(true).description("0 closed, 1 open, 2 half open").register(registry));
        delivered = Counter.builder("chat21.webhook.delivered").tags(tags).description("events the endpoint accepted")
                .register(registry);
        failedAttempts = Counter.builder("chat21.webhook.failed.attempts").tags(tags)
                .description("calls that failed (no answer in time, or not 2xx)").register(registry);
        retried = Counter.builder("chat21.webhook.retried").tags(tags).description("events parked for a later attempt")
                .register(registry);
        deadLettered = Counter.builder("chat21.webhook.dead.lettered").tags(tags)
                .description("events that failed their last attempt").register(registry);
        latency = Timer.builder("chat21.webhook.delivery").tags(tags).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                .description("from the event's publication to the endpoint's 2xx").register(registry);
        meters.addAll(List.of(delivered, failedAttempts, retried, deadLettered, latency));
    }
}
