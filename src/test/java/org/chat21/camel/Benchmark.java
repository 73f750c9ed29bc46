package org.chat21.camel;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Load benchmark (a program, not a test): accepted messages/s under closed-loop load, end-to-end latency
 * (POST to the recipient's clientadded) at a fixed open-loop rate, and how the delivery backlog behaves.
 * Every phase gets a fresh service (own app, queues and in-memory store), so a backlog one phase leaves
 * behind cannot distort the next. Run it with {@code bench/run.sh}; parameters are the system properties
 * below, and any {@code -Dbench.set.<property>=<value>} is passed to the service as a property override.
 */
public final class Benchmark {
    private static final int SECONDS = Integer.getInteger("bench.seconds", 10);
    /** the JIT keeps compiling for about a minute of load; every phase after that runs on warm code */
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 60);
    private static final int[] CONNECTIONS = Arrays.stream(System.getProperty("bench.connections", "1,8,64").split(","))
            .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    private static final int DIRECT_RATE = Integer.getInteger("bench.directRate", 1000);
    private static final int GROUP_RATE = Integer.getInteger("bench.groupRate", 200);
    private static final long DRAIN_TIMEOUT_MS = Long.getLong("bench.drainTimeoutSeconds", 60) * 1000;
    private static final long MAX_MINUTES = Long.getLong("bench.maxMinutes", 20);
    /** which phases run: closed (the closed-loop table), direct and group (the fixed-rate runs) */
    private static final List<String> PHASES = List.of(System.getProperty("bench.phases", "closed,direct,group").split(","));
    private static final int PAIRS = 100;
    private static final int GROUPS = 20;
    private static final int GROUP_SIZE = 10;
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private final Map<String, String> overrides;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Channel rabbit;
    private Level mutedLevel;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(daemon("depth-sampler"));

    record Backlog(int maxDepth, int firstHalfMax, int secondHalfMax, double drainSeconds, long stored, long expected, long outbox) {
    }

    record Closed(int connections, long ok, String errors, double perSecond, double httpP50, double httpP99, Backlog backlog,
            String cpu) {
    }

    record Open(String name, int rate, double sentRate, long ok, String errors, int maxInFlight, double[] percentiles,
            int seen, long expectedCopies, Backlog backlog, String cpu) {
    }

    public static void main(String[] args) {
        // with fewer than 3 cores the common pool has parallelism 1 and CompletableFuture then starts a thread
        // per async step, which HttpClient.sendAsync does for every response: load-generator overhead only
        if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", String.valueOf(Math.max(2, CORES - 1)));
        }
        Thread watchdog = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.MINUTES.toNanos(MAX_MINUTES));
            System.err.println("benchmark did not finish within " + MAX_MINUTES + " minutes");
            Runtime.getRuntime().halt(3);
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int code = 0;
        try {
            Map<String, String> overrides = new HashMap<>();
            // production relay timing (the harness's test timing relays after 1 s, which any backlog reaches)
            overrides.put("chat21.relay.interval-ms", "2000");
            overrides.put("chat21.relay.pending-after-ms", "5000");
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.set."))
                    .forEach(k -> overrides.put(k.substring("bench.set.".length()), System.getProperty(k)));
            new Benchmark(overrides).run();
        } catch (Throwable e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private Benchmark(Map<String, String> overrides) throws Exception {
        this.overrides = overrides;
        ConnectionFactory cf = new ConnectionFactory();
        cf.setUri(ServiceHarness.RABBIT);
        rabbit = cf.newConnection("chat21-benchmark").createChannel();
    }

    private void run() throws Exception {
        System.out.printf("chat21-camel benchmark: %d cores, %d s per phase, service overrides %s%n", CORES, SECONDS, overrides);
        closedLoop(8, WARMUP_SECONDS, "wu", false);
        List<Closed> closed = new ArrayList<>();
        for (int connections : PHASES.contains("closed") ? CONNECTIONS : new int[0]) {
            closed.add(closedLoop(connections, SECONDS, "tp" + connections, true));
        }
        List<Open> open = new ArrayList<>();
        if (PHASES.contains("direct")) {
            open.add(openLoop("direct", DIRECT_RATE, false));
        }
        if (PHASES.contains("group")) {
            open.add(openLoop("group-of-" + GROUP_SIZE, GROUP_RATE, true));
        }

        System.out.printf("%na) accepted direct messages, closed loop, %d s each%n", SECONDS);
        System.out.printf("%6s %8s %7s %7s %9s %9s %10s %8s %12s  %s%n", "conns", "accepted", "msg/s", "errors", "http p50",
                "http p99", "max queue", "drain s", "stored", "cpu host/jvm");
        for (Closed c : closed) {
            Backlog b = c.backlog();
            System.out.printf("%6d %8d %7.0f %7s %9.1f %9.1f %10d %8s %12s  %s%n", c.connections(), c.ok(), c.perSecond(),
                    c.errors(), c.httpP50(), c.httpP99(), b.maxDepth(), seconds(b.drainSeconds()),
                    b.stored() + "/" + b.expected(), c.cpu());
        }
        System.out.printf("%nb) end-to-end latency in ms (POST -> recipient clientadded), open loop, %d s each%n", SECONDS);
        System.out.printf("%-12s %6s %7s %8s %7s %9s %8s %8s %8s %8s %13s  %s%n", "run", "target", "sent/s", "accepted",
                "errors", "inflight", "p50", "p95", "p99", "max", "copies seen", "cpu host/jvm");
        for (Open o : open) {
            double[] p = o.percentiles();
            System.out.printf("%-12s %6d %7.0f %8d %7s %9d %8s %8s %8s %8s %13s  %s%n", o.name(), o.rate(), o.sentRate(), o.ok(),
                    o.errors(), o.maxInFlight(), ms(p[0]), ms(p[1]), ms(p[2]), ms(p[3]), o.seen() + "/" + o.expectedCopies(),
                    o.cpu());
        }
        System.out.printf("%nc) backlog of the fixed-rate runs (ready jobs in the delivery queue, sampled every 1 s while sending)%n");
        System.out.printf("%-12s %10s %12s %12s %6s %17s %14s %7s%n", "run", "max depth", "1st half max", "2nd half max",
                "grew", "drain after last", "stored copies", "outbox");
        for (Open o : open) {
            Backlog b = o.backlog();
            System.out.printf("%-12s %10d %12d %12d %6s %17s %14s %7d%n", o.name(), b.maxDepth(), b.firstHalfMax(),
                    b.secondHalfMax(), b.secondHalfMax() > b.firstHalfMax() ? "yes" : "no", seconds(b.drainSeconds()),
                    b.stored() + "/" + b.expected(), b.outbox());
        }
        System.out.printf("%ndrain = seconds from the last send until every copy is in Mongo (>%ds: gave up); 'late' = that share of "
                + "copies had not arrived when the phase ended; cpu = busy %% of all cores, whole host and this JVM "
                + "(service, in-memory Mongo and load generator)%n", DRAIN_TIMEOUT_MS / 1000);
    }

    // ---- a) closed loop -------------------------------------------------------------------------

    private Closed closedLoop(int connections, int seconds, String marker, boolean drain) throws Exception {
        System.out.printf("closed loop: %d connections for %d s (%s)%n", connections, seconds, marker);
        try (Phase phase = new Phase()) {
            Tally tally = new Tally();
            Cpu cpu = new Cpu();
            Depth depth = new Depth(phase.svc.overrides.get("chat21.queue.direct"));
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            ExecutorService pool = Executors.newFixedThreadPool(connections, daemon("closed-loop"));
            List<Future<List<Long>>> workers = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                String from = marker + "s" + i;
                String to = marker + "r" + i;
                String prefix = marker + "-" + i + "-";
                workers.add(pool.submit(() -> {
                    List<Long> times = new ArrayList<>();
                    for (int k = 0; System.nanoTime() < end; k++) {
                        long t0 = System.nanoTime();
                        try {
                            tally.add(http.send(phase.request(from, to, prefix + k, false), HttpResponse.BodyHandlers.discarding()), null);
                        } catch (Exception e) {
                            tally.add(null, e);
                        }
                        times.add(System.nanoTime() - t0);
                    }
                    return times;
                }));
            }
            List<Long> times = new ArrayList<>();
            for (Future<List<Long>> w : workers) {
                times.addAll(w.get(seconds + 30L, TimeUnit.SECONDS));
            }
            long last = System.nanoTime();
            pool.shutdown();
            depth.stop();
            String cpuUse = cpu.toString();
            Backlog backlog = drain ? phase.drain(marker, 2 * tally.ok(), last, depth) : null;
            long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Closed(connections, tally.ok(), tally.errors(), tally.ok() / ((last - start) / 1e9),
                    percentile(sorted, 0.50, sorted.length), percentile(sorted, 0.99, sorted.length), backlog, cpuUse);
        }
    }

    // ---- b) open loop ---------------------------------------------------------------------------

    private Open openLoop(String name, int rate, boolean group) throws Exception {
        System.out.printf("open loop: %s at %d msg/s for %d s%n", name, rate, SECONDS);
        String marker = group ? "lg" : "ld";
        int n = rate * SECONDS;
        int perMessage = group ? GROUP_SIZE : 1;
        try (Phase phase = new Phase()) {
            String app = phase.svc.appId;
            List<String> bindings = new ArrayList<>();
            for (int g = 0; g < (group ? GROUPS : PAIRS); g++) {
                if (!group) {
                    bindings.add("apps." + app + ".users.ldr" + g + ".#");
                    continue;
                }
                Document members = new Document();
                for (int m = 0; m < GROUP_SIZE; m++) {
                    members.append(member(g, m), 1);
                    bindings.add("apps." + app + ".users." + member(g, m) + ".#");
                }
                phase.svc.db.getCollection("groups").insertOne(new Document("uid", "group-lg" + g).append("appId", app)
                        .append("name", "Bench " + g).append("owner", member(g, 0)).append("members", members));
            }
            AtomicLongArray sentAt = new AtomicLongArray(n);
            long[] latencies = new long[n * perMessage];
            AtomicInteger seen = new AtomicInteger();
            AtomicBoolean collecting = new AtomicBoolean(true);
            try (ServiceHarness.Subscriber sub = new ServiceHarness.Subscriber(bindings.toArray(String[]::new))) {
                Thread collector = new Thread(() -> {
                    while (collecting.get()) {
                        ServiceHarness.Received r;
                        try {
                            r = sub.received.poll(100, TimeUnit.MILLISECONDS);
                        } catch (InterruptedException e) {
                            return;
                        }
                        long now = System.nanoTime();
                        if (r != null && r.routingKey().endsWith(".clientadded")
                                && r.body().get("text") instanceof String text && text.startsWith(marker + "-")) {
                            int i = seen.getAndIncrement();
                            if (i < latencies.length) {
                                latencies[i] = now - sentAt.get(Integer.parseInt(text.substring(marker.length() + 1)));
                            }
                        }
                    }
                }, "collector");
                collector.start();

                Tally tally = new Tally();
                Cpu cpu = new Cpu();
                Depth depth = new Depth(phase.svc.overrides.get(group ? "chat21.queue.group" : "chat21.queue.direct"));
                AtomicInteger inFlight = new AtomicInteger();
                AtomicInteger maxInFlight = new AtomicInteger();
                List<CompletableFuture<?>> responses = new ArrayList<>(n);
                long interval = 1_000_000_000L / rate;
                long start = System.nanoTime();
                for (int seq = 0; seq < n; seq++) {
                    HttpRequest request = group
                            ? phase.request(member(seq % GROUPS, seq / GROUPS % GROUP_SIZE), "group-lg" + seq % GROUPS, "lg-" + seq, true)
                            : phase.request("lds" + seq % PAIRS, "ldr" + seq % PAIRS, "ld-" + seq, false);
                    long due = start + seq * interval;
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    sentAt.set(seq, System.nanoTime());
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    responses.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                        inFlight.decrementAndGet();
                        tally.add(r, e);
                    }));
                }
                long last = System.nanoTime();
                depth.stop();
                try {
                    CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // failed requests are in the tally
                }
                String cpuUse = cpu.toString();
                Backlog backlog = phase.drain(marker, (group ? GROUP_SIZE + 1 : 2) * tally.ok(), last, depth);
                long expectedCopies = perMessage * tally.ok();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (seen.get() < expectedCopies && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                collecting.set(false);
                collector.join(5_000);
                long[] sorted = Arrays.copyOf(latencies, Math.min(seen.get(), latencies.length));
                Arrays.sort(sorted);
                int total = (int) Math.max(expectedCopies, sorted.length);
                double[] percentiles = {percentile(sorted, 0.50, total), percentile(sorted, 0.95, total),
                        percentile(sorted, 0.99, total), percentile(sorted, 1.0, total)};
                return new Open(name, rate, n / ((last - start + interval) / 1e9), tally.ok(), tally.errors(), maxInFlight.get(),
                        percentiles, sorted.length, expectedCopies, backlog, cpuUse);
            }
        }
    }

    private static String member(int group, int member) {
        return "lg" + group + "m" + member;
    }

    // ---- the service of one phase ---------------------------------------------------------------

    private final class Phase implements AutoCloseable {
        final ServiceHarness svc = new ServiceHarness(overrides, null);
        final MongoCollection<Document> messages = svc.db.getCollection("messages");
        private final Map<String, String> tokens = new ConcurrentHashMap<>();

        Phase() throws Exception {
            if (mutedLevel != null) {
                rootLogger().setLevel(mutedLevel);
                mutedLevel = null;
            }
        }

        HttpRequest request(String from, String to, String text, boolean group) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("sender_fullname", from + " Name");
            body.put("recipient_id", to);
            body.put("recipient_fullname", to + " Name");
            body.put("text", text);
            if (group) {
                body.put("channel_type", "group");
            }
            return HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + svc.appId + "/messages"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "JWT " + tokens.computeIfAbsent(from, svc::user))
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
                    .build();
        }

        /** Waits until {@code expected} copies are stored (bounded), then reports the backlog. */
        Backlog drain(String marker, long expected, long lastSend, Depth depth) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MS);
            // only this phase's copies are in this store, and the total count is cheap on the in-memory store
            while (messages.estimatedDocumentCount() < expected && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long now = System.nanoTime();
            double drainSeconds = now < deadline ? (now - lastSend) / 1e9 : Double.NaN;
            long stored = messages.countDocuments(Filters.regex("text", "^" + marker + "-"));
            MongoCollection<Document> outbox = svc.db.getCollection("outbox");
            for (int i = 0; i < 20 && outbox.countDocuments() > 0; i++) {
                Thread.sleep(100); // the outbox entry goes just after the copies are stored
            }
            List<Integer> s = depth.samples();
            int half = s.size() / 2;
            return new Backlog(max(s), max(s.subList(0, half)), max(s.subList(half, s.size())), drainSeconds, stored, expected,
                    outbox.countDocuments());
        }

        /** Stops the service (its leftover jobs are purged first) and deletes its queues and exchanges. */
        @Override
        public void close() throws Exception {
            List<String> names = List.of(svc.overrides.get("chat21.queue.direct"), svc.overrides.get("chat21.queue.group"));
            int purged = 0;
            for (String queue : names) {
                purged += rabbit.queuePurge(queue).getMessageCount();
            }
            // a service stopped with jobs in flight logs failed acks and closed channels, some of them late:
            // expected here, so the log stays muted until the next phase starts
            mutedLevel = rootLogger().getLevel();
            rootLogger().setLevel(Level.OFF);
            Thread closer = new Thread(() -> {
                try {
                    svc.close();
                } catch (Exception e) {
                    System.err.println("closing the service: " + e);
                }
            }, "closer");
            closer.start();
            closer.join(30_000);
            for (String queue : names) {
                rabbit.queueDelete(queue);
            }
            rabbit.exchangeDelete(svc.overrides.get("chat21.exchange.direct"));
            rabbit.exchangeDelete(svc.overrides.get("chat21.exchange.group"));
            System.out.printf("  service %s stopped (%d unstarted delivery jobs discarded)%n", svc.run, purged);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** The depth (ready jobs) of a delivery queue, sampled every second until stopped. */
    private final class Depth {
        private final List<Integer> samples = new ArrayList<>();
        private final Future<?> task;

        Depth(String queue) {
            task = sampler.scheduleAtFixedRate(() -> {
                try {
                    int count = rabbit.queueDeclarePassive(queue).getMessageCount();
                    synchronized (samples) {
                        samples.add(count);
                    }
                } catch (Exception e) {
                    System.err.println("queue depth of " + queue + ": " + e);
                }
            }, 1, 1, TimeUnit.SECONDS);
        }

        void stop() {
            task.cancel(false);
        }

        List<Integer> samples() {
            synchronized (samples) {
                return new ArrayList<>(samples);
            }
        }
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private static int max(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** Milliseconds at quantile {@code q} of {@code total} values, of which the sorted {@code seen} arrived; NaN if late. */
    private static double percentile(long[] seen, double q, int total) {
        int index = Math.max(0, (int) Math.ceil(q * total) - 1);
        return index < seen.length ? seen[index] / 1e6 : Double.NaN;
    }

    private static String ms(double value) {
        return Double.isNaN(value) ? "late" : String.format("%.1f", value);
    }

    private static String seconds(double value) {
        return Double.isNaN(value) ? ">" + DRAIN_TIMEOUT_MS / 1000 : String.format("%.1f", value);
    }

    /** Responses by outcome: 200 is accepted, anything else (status or exception) an error. */
    private static final class Tally {
        private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

        void add(HttpResponse<?> response, Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String key = cause != null ? cause.getClass().getSimpleName() : String.valueOf(response.statusCode());
            outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
        }

        long ok() {
            LongAdder ok = outcomes.get("200");
            return ok == null ? 0 : ok.sum();
        }

        String errors() {
            Map<String, Long> errors = new TreeMap<>();
            outcomes.forEach((k, v) -> {
                if (!k.equals("200")) {
                    errors.put(k, v.sum());
                }
            });
            return errors.isEmpty() ? "0" : errors.toString();
        }
    }

    /** CPU use since construction: the host's (from /proc/stat) and this JVM's, as % of all cores. */
    private static final class Cpu {
        private final long[] host = hostTicks();
        private final long jvm = jvmNanos();
        private final long wall = System.nanoTime();

        @Override
        public String toString() {
            long[] now = hostTicks();
            double hostPct = now[1] == host[1] ? Double.NaN : 100.0 * (now[0] - host[0]) / (now[1] - host[1]);
            double jvmPct = 100.0 * (jvmNanos() - jvm) / ((System.nanoTime() - wall) * (double) CORES);
            return String.format("%.0f%%/%.0f%%", hostPct, jvmPct);
        }

        /** {busy, total} jiffies over all cores. */
        private static long[] hostTicks() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < Math.min(f.length, 9); i++) {
                    total += Long.parseLong(f[i]);
                }
                return new long[] {total - Long.parseLong(f[4]) - Long.parseLong(f[5]), total};
            } catch (Exception e) {
                return new long[] {0, 0};
            }
        }

        private static long jvmNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
