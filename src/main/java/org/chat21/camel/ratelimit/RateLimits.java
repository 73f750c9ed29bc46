package org.chat21.camel.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.chat21.camel.common.Caller;
import org.chat21.camel.observer.ClientTopic;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rate limits: token buckets (Bucket4j, in this process's memory) per user and per app for four kinds of
 * request: HTTP sends, messages published over MQTT, the other MQTT publications (receipts, conversation
 * patches, archives, presence: {@code updates}) and group changes. A request takes one token from its user's
 * bucket and one from its app's; a bucket refills continuously at its rate up to its burst. Every limit is
 * off at 0. Admin tokens (the app's own servers, sending for many users) skip the per-user bucket and
 * count in the app's.
 * <p>
 * HTTP: {@link #send} / {@link #groupChange} give the answer's headers ({@code RateLimit-Limit},
 * {@code -Remaining}, {@code -Reset}; with {@code Retry-After} when refused), which the route keeps in a
 * variable for the reply route; {@link #require} then refuses with 429. MQTT: {@link #allows} says whether a
 * publication may be handled; one that may not is dropped by the observer (there is no way to refuse it).
 * Refusals are counted per kind ({@code chat21_rate_limited_total{kind=...}}).
 */
public class RateLimits {
    /** buckets kept before full (= untouched) ones are dropped; a full bucket is as good as a new one */
    static final int SWEEP_ABOVE = 10_000;
    private static final long NANOS = TimeUnit.SECONDS.toNanos(1);

    private final TimeMeter clock;
    private final Limiter sends;
    private final Limiter publications;
    private final Limiter updates;
    private final Limiter groupChanges;

    /** The bean of routes/beans.yaml: the JVM's monotonic clock; the settings bound as properties. */
    public RateLimits() {
        this(TimeMeter.SYSTEM_NANOTIME);
    }

    /** With a clock of the caller's (tests). */
    public RateLimits(TimeMeter clock) {
        this.clock = clock;
        sends = new Limiter("send");
        publications = new Limiter("publication");
        updates = new Limiter("update");
        groupChanges = new Limiter("group-change");
    }

    public Limit getSends() {
        return sends.limit;
    }

    public Limit getPublications() {
        return publications.limit;
    }

    public Limit getUpdates() {
        return updates.limit;
    }

    public Limit getGroupChanges() {
        return groupChanges.limit;
    }

    /** An HTTP send of {@code caller}: its answer's rate-limit headers, or null when sends are not limited. */
    public Map<String, Object> send(Caller caller) {
        return sends.take(caller);
    }

    /** A group change of {@code caller}: its answer's rate-limit headers, or null when not limited. */
    public Map<String, Object> groupChange(Caller caller) {
        return groupChanges.take(caller);
    }

    /** Refuses (429) the request whose {@link #send} / {@link #groupChange} answer was a refusal. */
    public void require(Map<String, Object> decision) {
        if (decision != null && decision.containsKey("err")) {
            throw new RateLimitedException((String) decision.get("err"));
        }
    }

    /** Whether a client publication may be handled: messages by their own limit, the rest by {@code updates}. */
    public boolean allows(ClientTopic topic) {
        Limiter limiter = topic.kind() == ClientTopic.Kind.MESSAGE ? publications : updates;
        if (!limiter.on()) {
            return true;
        }
        return !limiter.take(topic.appId(), topic.userId()).containsKey("err");
    }

    /** Refusals so far of one kind ({@code send}, {@code publication}, {@code update}, {@code group-change}). */
    public long refused(String kind) {
        for (Limiter l : new Limiter[] {sends, publications, updates, groupChanges}) {
            if (l.kind.equals(kind)) {
                return l.refused.get();
            }
        }
        throw new IllegalArgumentException("no such kind of rate limit: " + kind);
    }

    /** Registers {@code chat21.rate.limited{kind}} (Prometheus {@code chat21_rate_limited_total}). */
    public void bind(MeterRegistry registry) {
        for (Limiter l : new Limiter[] {sends, publications, updates, groupChanges}) {
            FunctionCounter.builder("chat21.rate.limited", l.refused, AtomicLong::get)
                    .tag("kind", l.kind)
                    .description("requests and client publications refused by a rate limit")
                    .register(registry);
        }
    }

    /** One kind's buckets. */
    private final class Limiter {
        final String kind;
        final Limit limit = new Limit();
        final AtomicLong refused = new AtomicLong();
        final ConcurrentHashMap<String, Bucket> users = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Bucket> apps = new ConcurrentHashMap<>();
        final AtomicBoolean sweeping = new AtomicBoolean();
        final AtomicLong lastSweep = new AtomicLong(Long.MIN_VALUE);

        Limiter(String kind) {
            this.kind = kind;
        }

        boolean on() {
            return limit.getPerSecond() > 0 || limit.getAppPerSecond() > 0;
        }

        Map<String, Object> take(Caller caller) {
            if (!on()) {
                return null;
            }
            return take(caller.appId(), caller.admin() ? null : caller.userId());
        }

        /** @param user null: the app's bucket only */
        Map<String, Object> take(String app, String user) {
            double userRate = user == null ? 0 : limit.getPerSecond();
            double appRate = limit.getAppPerSecond();
            Bucket userBucket = null;
            ConsumptionProbe userProbe = null;
            long userCapacity = Limit.capacity(userRate, limit.getBurst());
            if (userRate > 0) {
                // ids cannot hold a '/' (common.Ids), so the key is unambiguous
                userBucket = bucket(users, app + "/" + user, userRate, userCapacity);
                userProbe = userBucket.tryConsumeAndReturnRemaining(1);
                if (!userProbe.isConsumed()) {
                    refused.incrementAndGet();
                    return refusal(userProbe, userCapacity, "too many requests from this user");
                }
            }
            ConsumptionProbe appProbe = null;
            long appCapacity = Limit.capacity(appRate, limit.getAppBurst());
            if (appRate > 0) {
                appProbe = bucket(apps, app, appRate, appCapacity).tryConsumeAndReturnRemaining(1);
                if (!appProbe.isConsumed()) {
                    if (userBucket != null) {
                        // not served: the user's token goes back
                        userBucket.addTokens(1);
                    }
                    refused.incrementAndGet();
                    return refusal(appProbe, appCapacity, "too many requests in this app");
                }
            }
            if (userProbe == null && appProbe == null) {
                // an admin, and no app limit
                return null;
            }
            // the headers tell the bucket nearer to empty (the draft's advice with several policies)
            boolean byApp = userProbe == null
                    || appProbe != null && appProbe.getRemainingTokens() < userProbe.getRemainingTokens();
            return byApp ? headers(appProbe, appCapacity) : headers(userProbe, userCapacity);
        }

        private Bucket bucket(ConcurrentHashMap<String, Bucket> buckets, String key, double rate, long capacity) {
            Bucket bucket = buckets.get(key);
            if (bucket != null) {
                return bucket;
            }
            if (buckets.size() >= SWEEP_ABOVE) {
                sweep(buckets, capacity);
            }
            // one token every 1/rate seconds, added continuously (greedy), so fractional rates work
            Duration every = Duration.ofNanos(Math.max(1, Math.round(NANOS / rate)));
            return buckets.computeIfAbsent(key, k -> Bucket.builder()
                    .addLimit(l -> l.capacity(capacity).refillGreedy(1, every))
                    .withCustomTimePrecision(clock)
                    .build());
        }

        /** Drops the full buckets (untouched for a while), one thread at a time and once a second at most. */
        private void sweep(ConcurrentHashMap<String, Bucket> buckets, long capacity) {
            long now = clock.currentTimeNanos();
            long last = lastSweep.get();
            if (now - last < NANOS && last != Long.MIN_VALUE || !sweeping.compareAndSet(false, true)) {
                return;
            }
            try {
                lastSweep.set(now);
                buckets.values().removeIf(b -> b.getAvailableTokens() >= capacity);
            } finally {
                sweeping.set(false);
            }
        }

        int size() {
            return users.size() + apps.size();
        }
    }

    /** Buckets held now (tests). */
    int buckets(String kind) {
        for (Limiter l : new Limiter[] {sends, publications, updates, groupChanges}) {
            if (l.kind.equals(kind)) {
                return l.size();
            }
        }
        throw new IllegalArgumentException(kind);
    }

    private static Map<String, Object> headers(ConsumptionProbe probe, long capacity) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("RateLimit-Limit", capacity);
        headers.put("RateLimit-Remaining", probe.getRemainingTokens());
        headers.put("RateLimit-Reset", seconds(probe.getNanosToWaitForReset()));
        return headers;
    }

    private static Map<String, Object> refusal(ConsumptionProbe probe, long capacity, String who) {
        Map<String, Object> headers = headers(probe, capacity);
        long retryAfter = Math.max(1, seconds(probe.getNanosToWaitForRefill()));
        headers.put("Retry-After", retryAfter);
        headers.put("err", who + ": retry after " + retryAfter + " s");
        return headers;
    }

    /** Whole seconds, rounded up (a client that waits this long finds what was promised). */
    private static long seconds(long nanos) {
        return (nanos + NANOS - 1) / NANOS;
    }
}
