package org.chat21.camel.operations;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.chat21.camel.api.TokenVerifier;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.WarmupApp;
import org.chat21.camel.batch.BatchComponent;
import org.chat21.camel.group.Groups;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Warm before ready: a fresh process runs its send path interpreted and spends its first seconds compiling it
 * (measured: 3.4 ms of CPU a message cold, 1.5 of it in the JIT, against 1.3 warm; at 400 msg/s requests
 * queued for 9 s, p99 2.3 s). So before the API gate opens (operations.GracefulShutdown: 503 and readiness
 * DOWN meanwhile), this sends messages through the API itself, over loopback with a header only this process
 * knows: direct messages and a group of ten's, in an app of its own (common.WarmupApp, never told to
 * webhooks, bridges or the on-message hooks), until the JIT compilers go quiet or the caps are reached; then
 * waits for their delivery and deletes what they stored. Nothing a user can see is written; the counters of
 * /observe/metrics do count these messages.
 */
public class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    /** the header that lets a warm-up request through the closed gate */
    public static final String HEADER = "X-Chat21-Warmup";
    static final int SENDERS = 20;
    static final int GROUP_SIZE = 10;
    /** requests in flight at once: enough to keep the cores busy (4 and 8 through java.net.http warmed far slower) */
    static final int IN_FLIGHT = 16;
    /** at least this many messages, whatever the JIT says (its first quiet second comes early) */
    static final int MIN_MESSAGES = 1000;
    /** the JIT counts as quiet below this many ms of compilation per second (the benchmark's warm criterion) */
    static final long QUIET_JIT_MS_PER_SECOND = 50;
    /** for this many seconds in a row: one quiet second comes early, with C2 compilations still queued */
    static final int QUIET_SECONDS = 3;

    /** What the warm-up sent and how the last second of it went. */
    public record Result(int sent, int failed, long tookMs, long jitMsLastSecond, long p50Ms, long p99Ms) {
    }

    private final int maxMessages;
    private final long maxMs;
    private final String base;
    private final TokenVerifier tokens;
    private final MongoDatabase db;
    private final Groups groups;
    private final BatchComponent deliveries;
    private final String secret;
    private final String app;
    private final AtomicBoolean stop = new AtomicBoolean();
    /** its users, named after the app, so that their documents are found by indexed fields alone */
    private final List<String> users = new ArrayList<>();
    /** its copies and conversations: by timelineOf, the first field of an index of each, as a large collection needs */
    private final Bson mine;
    private long swept;

    /**
     * @param maxMessages at most this many messages (0: no warm-up)
     * @param maxMs       at most this long sending
     * @param base        the API's base URL on loopback, e.g. http://127.0.0.1:8004/api
     * @param tokens      the API's verifier, whose key signs the warm-up users' tokens
     */
    public Warmup(int maxMessages, long maxMs, String base, TokenVerifier tokens, MongoDatabase db, Groups groups,
                  BatchComponent deliveries) {
        this.maxMessages = maxMessages;
        this.maxMs = maxMs;
        this.base = base;
        this.tokens = tokens;
        this.db = db;
        this.groups = groups;
        this.deliveries = deliveries;
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        this.secret = HexFormat.of().formatHex(bytes);
        byte[] suffix = new byte[6];
        random.nextBytes(suffix);
        this.app = WarmupApp.PREFIX + HexFormat.of().formatHex(suffix);
        for (int i = 0; i < SENDERS; i++) {
            users.add(app + "-u" + i);
        }
        List<String> timelines = new ArrayList<>(users);
        timelines.add(groupId());
        this.mine = Filters.and(Filters.in("timelineOf", timelines), Filters.eq("app_id", app));
    }

    /**
     * Whether to warm up: {@code chat21.warmup} = on, off, or auto (on unless an embedded stand-in runs: a
     * first try on a bare machine starts at once). Anything else stops the start-up.
     */
    public static boolean wanted(String setting, boolean standIns) {
        return switch (setting.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            case "auto", "" -> !standIns;
            default -> throw new IllegalArgumentException("chat21.warmup (WARMUP) must be auto, on or off, not '" + setting + "'");
        };
    }

    public boolean enabled() {
        return maxMessages > 0 && maxMs > 0;
    }

    /** Whether a request carries this process's warm-up header. */
    public boolean admits(String header) {
        return header != null && header.length() == secret.length()
                && java.security.MessageDigest.isEqual(header.getBytes(StandardCharsets.US_ASCII),
                secret.getBytes(StandardCharsets.US_ASCII));
    }

    /** Ends the sending early (the service is stopping). */
    public void cancel() {
        stop.set(true);
    }

    /** The header value its requests carry. */
    String header() {
        return secret;
    }

    String app() {
        return app;
    }

    /** Sends, waits for the deliveries, deletes; never throws (a failed warm-up leaves a colder start, no more). */
    public Result run() {
        long started = System.nanoTime();
        Result result = new Result(0, 0, 0, -1, -1, -1);
        try {
            result = send();
        } catch (Exception e) {
            LOG.warn("warm-up stopped early: {}", e.toString());
        } finally {
            try {
                // until a pass finds nothing: a delivery still under way when a pass ran (the queue behind after a
                // warm-up cut short by max-seconds, or the outbox relay's claim of an entry) writes its copies after it
                // (CI once: 34 copies left)
                for (int pass = 0; pass < 5; pass++) {
                    if (pass > 0) {
                        Thread.sleep(200);
                    }
                    if (!deliveries.awaitIdle(30_000)) {
                        LOG.debug("warm-up app {}: deliveries still under way after 30 s", app);
                    }
                    if (cleanUp() == 0) {
                        break;
                    }
                }
            } catch (Exception e) {
                LOG.warn("warm-up app {}: its documents not all deleted: {}", app, e.toString());
            }
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        LOG.info("warmed up in {} ms: {} messages sent in {} ms ({} failed); their last second: JIT {} ms, p50 {} ms, p99 {} ms",
                took, result.sent(), result.tookMs(), result.failed(), result.jitMsLastSecond(), result.p50Ms(), result.p99Ms());
        return result;
    }

    private Result send() throws Exception {
        String group = groupId();
        StringBuilder members = new StringBuilder("{");
        for (int m = 0; m < GROUP_SIZE; m++) {
            members.append(m == 0 ? "" : ",").append('"').append(users.get(m)).append("\":1");
        }
        members.append('}');
        groups.create(new Caller(users.get(0), app, false), app, ("{\"group_id\":\"" + group + "\",\"group_name\":\"warm-up\","
                + "\"group_members\":" + members + "}").getBytes(StandardCharsets.UTF_8));
        String[] tokens = new String[SENDERS];
        for (int i = 0; i < SENDERS; i++) {
            tokens[i] = "JWT " + token(users.get(i));
        }
        URI api = URI.create(base);
        String host = api.getHost();
        int port = api.getPort();
        String path = api.getRawPath() + "/" + app + "/messages";
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean canTellJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        // the latencies since the last look, in a ring: what the log line reports of the last second
        AtomicLongArray recent = new AtomicLongArray(4096);
        AtomicInteger recentCount = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(IN_FLIGHT, r -> {
            Thread t = new Thread(r, "warm-up");
            t.setDaemon(true);
            return t;
        });
        long started = System.nanoTime();
        try {
            for (int w = 0; w < IN_FLIGHT; w++) {
                pool.execute(() -> {
                    try (LoopbackHttp connection = new LoopbackHttp(host, port, 30_000)) {
                        int seq;
                        while (!stop.get() && (seq = next.getAndIncrement()) < maxMessages && System.nanoTime() < deadline) {
                            boolean toGroup = seq % 4 == 3;
                            int from = toGroup ? seq % GROUP_SIZE : seq % SENDERS;
                            String to = toGroup ? group : users.get((seq + 1) % SENDERS);
                            String body = "{\"sender_fullname\":\"Warm-up " + from + "\",\"recipient_id\":\"" + to
                                    + "\",\"recipient_fullname\":\"Warm-up\",\"text\":\"warm-up " + seq + "\""
                                    + (toGroup ? ",\"channel_type\":\"group\"}" : "}");
                            byte[] request = LoopbackHttp.post(host, port, path, body, "Authorization", tokens[from],
                                    HEADER, secret);
                            long t0 = System.nanoTime();
                            try {
                                if (connection.exchange(request) != 200) {
                                    failed.incrementAndGet();
                                }
                            } catch (IOException e) {
                                failed.incrementAndGet();
                            }
                            recent.set(recentCount.getAndIncrement() & (recent.length() - 1),
                                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                        }
                    }
                });
            }
            pool.shutdown();
            // once a second: enough sent and the JIT quiet for QUIET_SECONDS in a row = warm
            long jitBefore = canTellJit ? jit.getTotalCompilationTime() : 0;
            long jitLastSecond = -1;
            int quietSeconds = 0;
            long[] lastSecond = new long[0];
            while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                sweep();
                int count = Math.min(recentCount.getAndSet(0), recent.length());
                lastSecond = new long[count];
                for (int i = 0; i < count; i++) {
                    lastSecond[i] = recent.get(i);
                }
                Arrays.sort(lastSecond);
                if (canTellJit) {
                    long jitNow = jit.getTotalCompilationTime();
                    jitLastSecond = jitNow - jitBefore;
                    jitBefore = jitNow;
                    LOG.debug("warm-up: {} sent, {} in the last second, JIT {} ms, p50 {} p99 {}", next.get(), count, jitLastSecond,
                            percentile(lastSecond, 0.5), percentile(lastSecond, 0.99));
                    quietSeconds = jitLastSecond < QUIET_JIT_MS_PER_SECOND ? quietSeconds + 1 : 0;
                    if (next.get() >= MIN_MESSAGES && quietSeconds >= QUIET_SECONDS) {
                        stop.set(true);
                    }
                }
            }
            return new Result(Math.min(next.get(), maxMessages), failed.get(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), jitLastSecond,
                    percentile(lastSecond, 0.5), percentile(lastSecond, 0.99));
        } finally {
            pool.shutdownNow();
        }
    }

    /** The quantile {@code q} of sorted latencies, or -1 when there are none. */
    static long percentile(long[] sorted, double q) {
        return sorted.length == 0 ? -1 : sorted[(int) (sorted.length * q)];
    }

    private String groupId() {
        return "group-" + app;
    }

    /**
     * What the warm-up stored: its copies and conversations, outbox entries (none once delivered) and group; how many
     * documents this pass deleted. The outbox first: an entry deleted is one the relay will not deliver. An entry
     * keeps the app inside its message (send.Outbox).
     */
    long cleanUp() {
        long outbox = collection("outbox").deleteMany(Filters.eq("message.app_id", app)).getDeletedCount();
        long copies = collection("messages").deleteMany(mine).getDeletedCount();
        long conversations = collection("conversations").deleteMany(mine).getDeletedCount();
        long groups = collection("groups").deleteMany(Filters.and(Filters.eq("uid", groupId()), Filters.eq("appId", app)))
                .getDeletedCount();
        swept += copies;
        LOG.debug("warm-up app {} deleted: {} copies in all, {} conversations, {} outbox entries", app, swept, conversations, outbox);
        return outbox + copies + conversations + groups;
    }

    /**
     * While sending, once a second: the copies older than two seconds (delivered long since) deleted, so that the
     * store has little left to delete at the end (a store still deleting slows the first requests served).
     */
    private void sweep() {
        try {
            swept += collection("messages").deleteMany(Filters.and(mine, Filters.lt("timestamp", System.currentTimeMillis() - 2000)))
                    .getDeletedCount();
        } catch (RuntimeException e) {
            LOG.debug("warm-up sweep: {}", e.toString());
        }
    }

    /** Deleting many documents takes longer than the service's operation timeout, which is for requests. */
    private MongoCollection<Document> collection(String name) {
        return db.getCollection(name).withTimeout(60, TimeUnit.SECONDS);
    }

    /** An HS256 Chat21 token for a warm-up user, valid for an hour (the service's own key). */
    String token(String user) {
        long exp = System.currentTimeMillis() / 1000 + 3600;
        return tokens.sign("{\"sub\":\"" + user + "\",\"app_id\":\"" + app + "\",\"exp\":" + exp + "}");
    }
}
