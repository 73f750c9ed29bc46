package org.chat21.camel;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.bson.Document;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Load benchmark (a program, not a test): accepted messages/s under closed-loop load, end-to-end latency
 * (POST to the recipient's clientadded) at a fixed open-loop rate, and how the delivery backlog behaves.
 * Run it with {@code bench/run.sh}; parameters are system properties (see the constants below), and any
 * {@code -Dbench.set.<property>=<value>} is passed to the service as a property override.
 */
public final class Benchmark {
    private static final int SECONDS = Integer.getInteger("bench.seconds", 10);
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 3);
    private static final int[] CONNECTIONS = Arrays.stream(System.getProperty("bench.connections", "1,8,64").split(","))
            .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    private static final int DIRECT_RATE = Integer.getInteger("bench.directRate", 1000);
    private static final int GROUP_RATE = Integer.getInteger("bench.groupRate", 200);
    private static final int PAIRS = 100;
    private static final int GROUPS = 20;
    private static final int GROUP_SIZE = 10;
    private static final long DRAIN_TIMEOUT_MS = Long.getLong("bench.drainTimeoutSeconds", 120) * 1000;
    private static final long MAX_MINUTES = Long.getLong("bench.maxMinutes", 20);
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private final ServiceHarness svc;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Connection rabbit;
    private final Channel depthChannel;
    private final MongoCollection<Document> messages;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(daemon("depth-sampler"));

    record Backlog(int maxDepth, int firstHalfMax, int secondHalfMax, double drainSeconds, long stored, long expected, long outbox) {
    }

    record Closed(int connections, long ok, String errors, double perSecond, double httpP50, double httpP99, Backlog backlog, String cpu) {
    }

    record Open(String name, int rate, double sentRate, long ok, String errors, int maxInFlight, double p50, double p95,
            double p99, double max, int measured, long expectedCopies, Backlog backlog, String cpu) {
    }

    public static void main(String[] args) {
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
            // production relay timing (the harness's test defaults relay after 1 s, which a backlog reaches)
            overrides.put("chat21.relay.interval-ms", "2000");
            overrides.put("chat21.relay.pending-after-ms", "5000");
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.set."))
                    .forEach(k -> overrides.put(k.substring("bench.set.".length()), System.getProperty(k)));
            new Benchmark(overrides).run(overrides);
        } catch (Throwable e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private Benchmark(Map<String, String> overrides) throws Exception {
        svc = new ServiceHarness(overrides, null);
        messages = svc.db.getCollection("messages");
        ConnectionFactory cf = new ConnectionFactory();
        cf.setUri(ServiceHarness.RABBIT);
        rabbit = cf.newConnection("chat21-benchmark");
        depthChannel = rabbit.createChannel();
    }

    private void run(Map<String, String> overrides) throws Exception {
        System.out.printf("chat21-camel benchmark: %d cores, %d s per phase, service overrides %s%n", CORES, SECONDS, overrides);
        closedLoop(8, WARMUP_SECONDS, "wu");
        List<Closed> closed = new ArrayList<>();
        for (int connections : CONNECTIONS) {
            closed.add(closedLoop(connections, SECONDS, "tp" + connections));
        }
        List<Open> open = List.of(openLoop("direct", DIRECT_RATE, false), openLoop("group-of-" + GROUP_SIZE, GROUP_RATE, true));

        System.out.println();
        System.out.println("a) accepted direct messages, closed loop, " + SECONDS + " s each");
        System.out.printf("%6s %8s %9s %7s %9s %9s %10s %9s %10s  %s%n", "conns", "accepted", "msg/s", "errors", "http p50",
                "http p99", "max queue", "drain s", "stored", "cpu host/jvm");
        for (Closed c : closed) {
            System.out.printf("%6d %8d %9.0f %7s %9.1f %9.1f %10d %9.1f %10s  %s%n", c.connections(), c.ok(), c.perSecond(),
                    c.errors(), c.httpP50(), c.httpP99(), c.backlog().maxDepth(), c.backlog().drainSeconds(),
                    c.backlog().stored() + "/" + c.backlog().expected(), c.cpu());
        }
        System.out.println();
        System.out.println("b) end-to-end latency, open loop (POST -> recipient clientadded), ms; " + SECONDS + " s each");
        System.out.printf("%-12s %6s %8s %8s %7s %9s %7s %7s %7s %7s %13s  %s%n", "run", "target", "sent/s", "accepted",
                "errors", "inflight", "p50", "p95", "p99", "max", "copies seen", "cpu host/jvm");
        for (Open o : open) {
            System.out.printf("%-12s %6d %8.0f %8d %7s %9d %7.1f %7.1f %7.1f %7.1f %13s  %s%n", o.name(), o.rate(), o.sentRate(),
                    o.ok(), o.errors(), o.maxInFlight(), o.p50(), o.p95(), o.p99(), o.max(),
                    o.measured() + "/" + o.expectedCopies(), o.cpu());
        }
        System.out.println();
        System.out.println("c) backlog of the fixed-rate runs (queue depth sampled every 1 s while sending)");
        System.out.printf("%-12s %10s %12s %12s %6s %16s %14s %7s%n", "run", "max depth", "1st half max", "2nd half max",
                "grew", "drain after last", "stored copies", "outbox");
        for (Open o : open) {
            Backlog b = o.backlog();
            System.out.printf("%-12s %10d %12d %12d %6s %15.2fs %14s %7d%n", o.name(), b.maxDepth(), b.firstHalfMax(),
                    b.secondHalfMax(), b.secondHalfMax() > b.firstHalfMax() ? "yes" : "no", b.drainSeconds(),
                    b.stored() + "/" + b.expected(), b.outbox());
        }
        System.out.println("(drain = seconds from the last send until every copy is in Mongo; -1 = not within "
                + DRAIN_TIMEOUT_MS / 1000 + " s; cpu = busy % of all cores, host and this JVM)");
        Thread closer = new Thread(() -> {
            try {
                rabbit.close();
                svc.close();
            } catch (Exception e) {
                System.err.println("closing: " + e);
            }
        });
        closer.start();
        closer.join(30_000);
    }

    // ---- a) closed loop -------------------------------------------------------------------------

    private Closed closedLoop(int connections, int seconds, String marker) throws Exception {
        System.out.printf("closed loop: %d connections for %d s (%s)%n", connections, seconds, marker);
        Tally tally = new Tally();
        Cpu cpu = new Cpu();
        Depth depth = new Depth(svc.overrides.get("chat21.queue.direct"));
        long baseline = messages.estimatedDocumentCount();
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
                        tally.add(http.send(request(from, to, prefix + k, false), HttpResponse.BodyHandlers.discarding()), null);
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
        Backlog backlog = drain(marker, 2 * tally.ok(), baseline, last, depth);
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Closed(connections, tally.ok(), tally.errors(), tally.ok() / ((last - start) / 1e9),
                percentile(sorted, 0.50), percentile(sorted, 0.99), backlog, cpuUse);
    }

    // ---- b) open loop ---------------------------------------------------------------------------

    private Open openLoop(String name, int rate, boolean group) throws Exception {
        String marker = group ? "lg" : "ld";
        int n = rate * SECONDS;
        int perMessage = group ? GROUP_SIZE : 1;
        System.out.printf("open loop: %s at %d msg/s for %d s%n", name, rate, SECONDS);
        List<String> bindings = new ArrayList<>();
        if (group) {
            for (int g = 0; g < GROUPS; g++) {
                Document members = new Document();
                for (int m = 0; m < GROUP_SIZE; m++) {
                    members.append(member(g, m), 1);
                    bindings.add("apps." + svc.appId + ".users." + member(g, m) + ".#");
                }
                svc.db.getCollection("groups").insertOne(new Document("uid", "group-lg" + g).append("appId", svc.appId)
                        .append("name", "Bench " + g).append("owner", member(g, 0)).append("members", members));
            }
        } else {
            for (int p = 0; p < PAIRS; p++) {
                bindings.add("apps." + svc.appId + ".users.ldr" + p + ".#");
            }
        }
        AtomicLongArray sentAt = new AtomicLongArray(n);
        long[] latencies = new long[n * perMessage];
        AtomicInteger measured = new AtomicInteger();
        AtomicBoolean collecting = new AtomicBoolean(true);
        Tally tally = new Tally();
        try (ServiceHarness.Subscriber sub = new ServiceHarness.Subscriber(bindings.toArray(String[]::new))) {
            Thread collector = new Thread(() -> {
                while (collecting.get() || !sub.received.isEmpty()) {
                    ServiceHarness.Received r;
                    try {
                        r = sub.received.poll(100, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    long now = System.nanoTime();
                    if (r != null && r.routingKey().endsWith(".clientadded")
                            && r.body().get("text") instanceof String text && text.startsWith(marker + "-")) {
                        int seq = Integer.parseInt(text.substring(marker.length() + 1));
                        int i = measured.getAndIncrement();
                        if (i < latencies.length) {
                            latencies[i] = now - sentAt.get(seq);
                        }
                    }
                }
            }, "collector");
            collector.start();

            Cpu cpu = new Cpu();
            Depth depth = new Depth(svc.overrides.get(group ? "chat21.queue.group" : "chat21.queue.direct"));
            long baseline = messages.estimatedDocumentCount();
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger maxInFlight = new AtomicInteger();
            List<CompletableFuture<?>> responses = new ArrayList<>(n);
            long interval = 1_000_000_000L / rate;
            long start = System.nanoTime();
            for (int seq = 0; seq < n; seq++) {
                HttpRequest request = group
                        ? request(member(seq % GROUPS, (seq / GROUPS) % GROUP_SIZE), "group-lg" + (seq % GROUPS), "lg-" + seq, true)
                        : request("lds" + (seq % PAIRS), "ldr" + (seq % PAIRS), "ld-" + seq, false);
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
                // counted by the tally
            }
            String cpuUse = cpu.toString();
            Backlog backlog = drain(marker, (group ? GROUP_SIZE + 1 : 2) * tally.ok(), baseline, last, depth);
            long expectedCopies = perMessage * tally.ok();
            try {
                ServiceHarness.waitUntil(() -> measured.get() >= expectedCopies, 5_000, "copies");
            } catch (AssertionError e) {
                // the table shows how many copies arrived
            }
            collecting.set(false);
            collector.join(5_000);
            long[] sorted = Arrays.copyOf(latencies, Math.min(measured.get(), latencies.length));
            Arrays.sort(sorted);
            return new Open(name, rate, n / ((last - start + interval) / 1e9), tally.ok(), tally.errors(), maxInFlight.get(),
                    percentile(sorted, 0.50), percentile(sorted, 0.95), percentile(sorted, 0.99), percentile(sorted, 1.0),
                    sorted.length, expectedCopies, backlog, cpuUse);
        }
    }

    private static String member(int group, int member) {
        return "lg" + group + "m" + member;
    }

    // ---- c) backlog -----------------------------------------------------------------------------

    /** Waits until {@code expected} more copies than {@code baseline} are stored, then reports the backlog. */
    private Backlog drain(String marker, long expected, long baseline, long lastSend, Depth depth) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MS);
        // the total count is cheap on the in-memory store; a filtered count scans every document
        while (messages.estimatedDocumentCount() - baseline < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        long now = System.nanoTime();
        double drainSeconds = now < deadline ? (now - lastSend) / 1e9 : -1;
        long stored = messages.countDocuments(Filters.regex("text", "^" + marker + "-"));
        ServiceHarness.Check outboxEmpty = () -> svc.db.getCollection("outbox").countDocuments() == 0;
        try {
            ServiceHarness.waitUntil(outboxEmpty, 2_000, "outbox");
        } catch (Exception | AssertionError e) {
            // reported below
        }
        long outbox = svc.db.getCollection("outbox").countDocuments();
        List<Integer> s = depth.samples();
        int half = s.size() / 2;
        return new Backlog(max(s), max(s.subList(0, half)), max(s.subList(half, s.size())), drainSeconds, stored, expected, outbox);
    }

    private static int max(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** The depth of a delivery queue, sampled every second until stopped. */
    private final class Depth {
        private final List<Integer> samples = new ArrayList<>();
        private final Future<?> task;

        Depth(String queue) {
            task = sampler.scheduleAtFixedRate(() -> {
                try {
                    int count = depthChannel.queueDeclarePassive(queue).getMessageCount();
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

    // ---- helpers --------------------------------------------------------------------------------

    private HttpRequest request(String from, String to, String text, boolean group) {
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

    /** Milliseconds at quantile {@code q} of sorted nanosecond values. */
    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
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

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
