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
    private static final long DEPTH_EVERY_MS = 5000;

    private final OutboundEndpoint.Settings settings;
    private final OutboundComponent component;
    private final RetrySchedule schedule;
    private final CircuitBreaker breaker;
    private final Object lock = new Object();
    private Channel channel;
    private String consumerTag;
    private volatile boolean paused;
    private volatile boolean brokerLost;
    /** why the last call failed, for the line that says the circuit opened */
    private volatile String lastFailure = "";
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
        this.schedule = component.stages().schedule();
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
            component.scheduler().execute(this::reconcile);
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
        bindMeters();
        watch = component.scheduler().scheduleWithFixedDelay(this::reconcile, 0, component.recoveryMs(), TimeUnit.MILLISECONDS);
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

    /** Consumes when it should (running, breaker not open, broker there) and not otherwise. */
    private void reconcile() {
        synchronized (lock) {
            try {
                if (channel != null && !channel.isOpen()) {
                    channel = null;
                    consumerTag = null;
                }
                boolean want = isRunAllowed() && !isSuspendingOrSuspended() && !paused
                        && breaker.getState() != CircuitBreaker.State.OPEN
                        && breaker.getState() != CircuitBreaker.State.FORCED_OPEN;
                if (!want) {
                    cancel();
                    return;
                }
                if (channel == null) {
                    channel = component.connections().createConnection().getDelegate().createChannel();
                    channel.basicQos(settings.inFlight());
                }
                if (consumerTag == null) {
                    consumerTag = channel.basicConsume(settings.queue(), false, new Deliveries(channel));
                    if (brokerLost) {
                        LOG.info("{}: consuming {} again", settings.name(), settings.queue());
                        brokerLost = false;
                    }
                }
                long now = System.currentTimeMillis();
                if (now - depthCheckedAt >= DEPTH_EVERY_MS) {
                    depthCheckedAt = now;
                    depth.set(channel.messageCount(settings.queue()));
                }
            } catch (Exception e) {
                // the broker is away (told once by the outage watch) or the queue is not there yet
                LOG.debug("{}: not consuming {}: {}", settings.name(), settings.queue(), e.toString());
                brokerLost = true;
                closeChannel();
            }
        }
    }

    private void cancel() {
        if (consumerTag != null && channel != null && channel.isOpen()) {
            try {
                channel.basicCancel(consumerTag);
            } catch (Exception e) {
                LOG.debug("{}: cancel: {}", settings.name(), e.toString());
            }
        }
        consumerTag = null;
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
        consumerTag = null;
    }

    /** The broker's deliveries, on the channel's own dispatch thread. */
    private final class Deliveries extends DefaultConsumer {
        Deliveries(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            Channel on = getChannel();
            if (!breaker.tryAcquirePermission()) {
                // open (or enough probes out): back to the queue, and no more until the breaker says so
                paused = true;
                component.scheduler().execute(OutboundConsumer.this::reconcile);
                settleQuietly(on, envelope.getDeliveryTag(), false);
                return;
            }
            int attempt = props.getHeaders() != null && props.getHeaders().get(ATTEMPT) instanceof Number n
                    ? Math.max(1, n.intValue()) : 1;
            Exchange exchange = createExchange(false);
            exchange.getMessage().setBody(body);
            if (props.getHeaders() != null) {
                props.getHeaders().forEach((k, v) -> exchange.getMessage().setHeader(k, v == null ? null : v.toString()));
            }
            exchange.setVariable("attempt", attempt);
            exchange.setVariable("lastAttempt", schedule.isLast(attempt));
            inFlight.incrementAndGet();
            long started = System.nanoTime();
            try {
                getAsyncProcessor().process(exchange, doneSync -> component.settlers().execute(
                        () -> settle(exchange, on, envelope.getDeliveryTag(), props, body, attempt, started)));
            } catch (Throwable e) {
                exchange.setException(e);
                component.settlers().execute(() -> settle(exchange, on, envelope.getDeliveryTag(), props, body, attempt, started));
            }
        }

        @Override
        public void handleCancel(String tag) {
            // the queue was deleted (or the node holding it went): consume again when it is back
            synchronized (lock) {
                consumerTag = null;
            }
        }
    }

    /** Acknowledges a finished delivery, or parks a failed one in its retry stage first. */
    private void settle(Exchange exchange, Channel on, long deliveryTag, AMQP.BasicProperties props, byte[] body,
                        int attempt, long started) {
        try {
            Exception failure = exchange.getException() != null ? exchange.getException()
                    : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            long took = System.nanoTime() - started;
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
                ack(on, deliveryTag);
                return;
            }
            lastFailure = String.valueOf(failure.getMessage());
            LOG.debug("{}: attempt {} of event {} failed: {}", settings.name(), attempt, header(props, "X-Chat21-Event-Id"),
                    lastFailure);
            if (judged) {
                breaker.onError(took, TimeUnit.NANOSECONDS, failure);
            } else {
                breaker.releasePermission();
            }
            count(failedAttempts);
            if (exchange.getException() == null) {
                // the route handled it (its last attempt: dead-lettered)
                count(deadLettered);
                ack(on, deliveryTag);
                return;
            }
            if (schedule.stages().isEmpty()) {
                LOG.warn("{}: event {} failed and no retries are scheduled: dropped ({})", settings.name(),
                        header(props, "X-Chat21-Event-Id"), failure.getMessage());
                ack(on, deliveryTag);
                return;
            }
            // not the last attempt: the next one is due after its wait; the last one that the route could not
            // dead-letter (the store down): kept in the last stage, tried again
            int next = schedule.isLast(attempt) ? attempt : attempt + 1;
            Duration wait = schedule.delayAfter(attempt);
            Map<String, Object> headers = new HashMap<>(props.getHeaders() == null ? Map.of() : props.getHeaders());
            headers.put(ATTEMPT, next);
            if (next == attempt) {
                LOG.warn("{}: event {} failed its last attempt and could not be dead-lettered: tried again in {}",
                        settings.name(), header(props, "X-Chat21-Event-Id"), RetrySchedule.label(wait));
            }
            component.stages().park(settings.queue(), wait, body, headers, props.getContentType());
            count(retried);
            ack(on, deliveryTag);
        } catch (Exception e) {
            // not parked (the broker away): back to the queue, the broker delivers it again
            LOG.debug("{}: could not settle a delivery: {}", settings.name(), e.toString());
            settleQuietly(on, deliveryTag, false);
        } finally {
            inFlight.decrementAndGet();
            releaseExchange(exchange, false);
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
