package org.chat21.camel.operations;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.CountOptions;
import com.mongodb.client.model.Filters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The service's own metrics that need code (the plain counters are {@code micrometer:} steps in the routes),
 * on the Prometheus registry of camel-micrometer-prometheus once the context has started:
 * <ul>
 * <li>{@code chat21_delivery_latency_seconds} (histogram): from a message's acceptance (stored in the outbox)
 * to its copies being published, for the messages this instance accepted and delivered itself (the relay's
 * are counted by {@code chat21_relay_redelivered_total} instead);</li>
 * <li>{@code chat21_outbox_backlog} and {@code chat21_outbox_parked} (gauges, read from the store when
 * scraped, NaN while it cannot answer within a second): messages not delivered yet, and parked ones;</li>
 * </ul>
 * Bound as {@code serviceMetrics}; until the registry is there it records nothing.
 */
public class ServiceMetrics {
    /** acceptance times of messages not delivered yet; bounded (a message the relay of another instance
     * delivers never comes back here: old entries are swept when it is full) */
    private static final int MAX_TRACKED = 100_000;
    private static final long SWEEP_AFTER_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Map<Object, Long> acceptedAt = new ConcurrentHashMap<>();
    private volatile Timer latency;

    /** Registers the meters; called once the context (and so the Prometheus registry) has started. */
    public void bind(MeterRegistry registry, MongoCollection<Document> outbox) {
        latency = Timer.builder("chat21.delivery.latency")
                .description("from a message's acceptance to its copies published")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        // strong references: Micrometer holds a gauge's object weakly, and nothing else holds these two, so
        // after a garbage collection they would read NaN
        Gauge.builder("chat21.outbox.backlog", outbox,
                        c -> count(c, Filters.in("state", "pending", "confirmed")))
                .strongReference(true)
                .description("accepted messages not delivered yet").register(registry);
        Gauge.builder("chat21.outbox.parked", outbox, c -> count(c, Filters.eq("state", "dead")))
                .strongReference(true)
                .description("messages whose delivery kept failing, parked in the outbox").register(registry);
    }

    private static double count(MongoCollection<Document> outbox, Bson filter) {
        try {
            return outbox.countDocuments(filter, new CountOptions().maxTime(1, TimeUnit.SECONDS));
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** A new message is accepted (in the outbox). */
    public void accepted(Map<String, Object> message) {
        if (latency == null) {
            return;
        }
        if (acceptedAt.size() >= MAX_TRACKED) {
            long cutoff = System.nanoTime() - SWEEP_AFTER_NANOS;
            acceptedAt.values().removeIf(at -> at < cutoff);
            if (acceptedAt.size() >= MAX_TRACKED) {
                return;
            }
        }
        acceptedAt.putIfAbsent(message.get("message_id"), System.nanoTime());
    }

    /** A batch of messages whose copies are published. */
    public void delivered(List<Map<String, Object>> batch) {
        Timer timer = latency;
        if (timer == null || acceptedAt.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (Map<String, Object> message : batch) {
            Long at = acceptedAt.remove(message.get("message_id"));
            if (at != null) {
                timer.record(now - at, TimeUnit.NANOSECONDS);
            }
        }
    }
}
