package org.chat21.camel.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark (a program, not a test; {@code bash bench/run.sh}): designs of the service against the
 * raw limit, each process in a JVM of its own. Phases ({@code -Dbench.phases}):
 * <ul>
 * <li>{@code cold}: each design's fresh service gets 400 msg/s from the moment it answers {@code GET /};</li>
 * <li>{@code restart}: once warmed up, each design takes 400 msg/s for a step (warm), then a fresh process of it on
 *     the same (warm) store, broker and load generator gets it from the moment it answers (a rolling deploy's
 *     new instance, issue 24);</li>
 * <li>{@code direct}, {@code group}: the highest sustainable rate of each target, found by probes
 *     ({@code bench.probeSeconds}, rates x2 from {@code bench.startRate}, then halving the gap to
 *     {@code bench.precision}) and confirmed by a step of {@code bench.seconds};</li>
 * <li>{@code idle}: 400 msg/s after {@code bench.idleSeconds} without load;</li>
 * <li>{@code cpu}: CPU per message of every process at {@code bench.cpuRate} direct messages/s;</li>
 * <li>{@code raw}: the raw limit takes part in direct, group and cpu.</li>
 * </ul>
 * Targets take turns step by step (A, B, raw, A, B, raw...) so that drift of the shared machine hits all.
 */
public final class Runner {
    static final int SECONDS = Integer.getInteger("bench.seconds", 30);
    static final int PROBE_SECONDS = Integer.getInteger("bench.probeSeconds", 10);
    static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 60);
    static final int WARMUP_RATE = Integer.getInteger("bench.warmupRate", 400);
    /** the warm-up goes on (up to this long) until the JIT compilers of the target use less than WARMUP_JIT */
    static final int WARMUP_MAX_SECONDS = Integer.getInteger("bench.warmupMaxSeconds", 240);
    /** CPU ms per second of the target's JIT compiler threads below which it counts as warm */
    static final double WARMUP_JIT = Double.parseDouble(System.getProperty("bench.warmupJitMsPerSecond", "50"));
    static final int START_RATE = Integer.getInteger("bench.startRate", 200);
    static final double PRECISION = Double.parseDouble(System.getProperty("bench.precision", "1.1"));
    static final int MAX_PROBES = Integer.getInteger("bench.maxProbes", 9);
    static final int COLD_RATE = Integer.getInteger("bench.coldRate", 400);
    static final int IDLE_SECONDS = Integer.getInteger("bench.idleSeconds", 60);
    static final int CPU_RATE = Integer.getInteger("bench.cpuRate", 1000);
    static final int CPU_SECONDS = Integer.getInteger("bench.cpuSeconds", 30);
    static final int DRAIN_SECONDS = Integer.getInteger("bench.drainSeconds", 5);
    static final int FIRST_SECONDS = 10;
    /** the cold step's tail is reported from this second on (issue 24's target: from the first, -Dbench.coldSkipSeconds=1) */
    static final int COLD_SKIP_SECONDS = Integer.getInteger("bench.coldSkipSeconds", 5);
    static final double MAX_MINUTES = Double.parseDouble(System.getProperty("bench.maxMinutes", "35"));
    static final List<String> PHASES = List.of(System.getProperty("bench.phases", "cold,restart,direct,group,idle,cpu,raw").split(","));
    static final String RABBIT = System.getProperty("bench.rabbitmq", "amqp://guest:guest@127.0.0.1:5672");
    /** HTTP/1.1 connections (requests in flight) of the load generator at most */
    static final int CONNECTIONS = Integer.getInteger("bench.connections", 64);
    static final int RAW_BATCH = Integer.getInteger("bench.rawBatch", 100);
    static final int RAW_WORKERS = Integer.getInteger("bench.rawWorkers", 2);
    /** a search step that fails while other programs took more than this share of the host is run once more */
    static final double NOISY_PCT = Double.parseDouble(System.getProperty("bench.noisyPct", "20"));
    /** before a step, wait (up to QUIET_WAIT_SECONDS) until other programs take less than this share of the host */
    static final double QUIET_PCT = Double.parseDouble(System.getProperty("bench.quietPct", "15"));
    static final int QUIET_WAIT_SECONDS = Integer.getInteger("bench.quietWaitSeconds", 90);

    private final long started = System.nanoTime();
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private final Path logs;
    private final Connection admin;
    private Channel adminChannel;
    private final Child loadgen;
    private final long brokerPid;
    private final List<Target> targets = new ArrayList<>();
    /** every session started, for the clean-up (also those stopped early, and one still starting) */
    private final List<Target> launched = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "depth-sampler");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newHttpClient();
    private int markers;
    private int sessions;
    /** CPU of every process while nothing had load (the idle phase), or null */
    Cpu.Usage idleCpu;

    /** One measured window of one target. */
    static final class Step {
        String target;
        String phase;
        String kind;
        int rate;
        int seconds;
        Map<String, Object> lg = Map.of();
        Map<String, Object> raw;
        long accepted;
        long expectedStored;
        long stored;
        int maxDepth;
        boolean growing;
        Cpu.Usage cpu;
        boolean ok;
        String why = "";
        double startupSeconds = Double.NaN;
        double idleSeconds = Double.NaN;
        double atMinutes;
        /** seconds waited before the step for other programs to calm down */
        double quietWait;

        double perMessage(String role) {
            return cpu == null ? Double.NaN : cpu.perMessage(role, accepted);
        }

        Object p(String part, String q) {
            return lg.get(part) instanceof Map<?, ?> m ? m.get(q) : null;
        }
    }

    private Runner() throws Exception {
        logs = Path.of("target", "bench-logs", runId);
        Files.createDirectories(logs);
        ConnectionFactory cf = new ConnectionFactory();
        cf.setUri(RABBIT);
        admin = cf.newConnection("chat21-bench-runner");
        adminChannel = admin.createChannel();
        brokerPid = Cpu.brokerPid().orElse(-1L);
        loadgen = Child.program("loadgen", LoadGenerator.class,
                List.of("-Xmx1g", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
                        "-Dbench.connections=" + CONNECTIONS), List.of(RABBIT),
                logs.resolve("loadgen.log"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, Path> designs = designs();
        Runner runner = new Runner();
        Runtime.getRuntime().addShutdownHook(new Thread(runner::closeAll, "bench-cleanup"));
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep((long) ((MAX_MINUTES + 15) * 60_000));
                System.err.println("benchmark overran its time budget by 15 minutes: stopping");
                System.exit(3);
            } catch (InterruptedException e) {
                // done in time
            }
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int code = 0;
        try {
            String report = runner.run(designs);
            System.out.println();
            System.out.println(report);
            Path file = Path.of("target", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
            Files.writeString(file, report);
            System.out.println("written to " + file + " (process logs under " + runner.logs + ")");
        } catch (Throwable e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    /** {@code -Dbench.designs=name=/path,name2=/path2}; default: this checkout as "this". */
    static Map<String, Path> designs() {
        Map<String, Path> designs = new LinkedHashMap<>();
        for (String entry : System.getProperty("bench.designs", "this=.").split(",")) {
            String[] kv = entry.trim().split("=", 2);
            Path dir = Path.of(kv[1]).toAbsolutePath().normalize();
            if (!Files.exists(dir.resolve("target/chat21-camel.jar"))) {
                throw new IllegalArgumentException(dir + " has no target/chat21-camel.jar: build it first "
                        + "(cd " + dir + " && ./mvnw -q -B -DskipTests package)");
            }
            designs.put(kv[0], dir);
        }
        return designs;
    }

    private String run(Map<String, Path> designs) throws Exception {
        log("chat21-camel benchmark %s: %d cores, designs %s, phases %s, broker pid %d", runId,
                Runtime.getRuntime().availableProcessors(), designs, PHASES, brokerPid);
        // sessions: each design's service (cold start measured as it comes up), then the raw limit
        for (Map.Entry<String, Path> d : designs.entrySet()) {
            targets.add(startDesign(d.getKey(), d.getValue()));
        }
        if (PHASES.contains("raw")) {
            targets.add(startRaw());
        }
        for (Target t : targets) {
            warmUp(t);
        }
        if (PHASES.contains("restart")) {
            for (Target t : List.copyOf(targets)) {
                if (!t.raw() && !overBudget()) {
                    restart(t);
                }
            }
        }
        Map<String, Map<String, Search>> searches = new LinkedHashMap<>();
        for (String kind : List.of("direct", "group")) {
            if (PHASES.contains(kind)) {
                searches.put(kind, search(kind));
            }
        }
        List<Step> idle = new ArrayList<>();
        if (PHASES.contains("idle") && !overBudget()) {
            // every target idles at once (its CPU meanwhile is each process's cost of doing nothing), then the
            // designs get load in turn: the first after the idle time, the next ones after a little more
            log("idle: %d s without load", IDLE_SECONDS);
            Map<String, Long> all = new LinkedHashMap<>();
            for (Target t : targets) {
                all.put(t.name + " service", t.service.pid());
                all.put(t.name + " store", t.store.pid());
            }
            all.put("broker", brokerPid);
            all.put("loadgen", loadgen.pid());
            Cpu.Sample i0 = Cpu.sample(all);
            Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
            idleCpu = Cpu.between(i0, Cpu.sample(all));
            for (Target t : targets) {
                if (!t.raw()) {
                    // at the cold rate, or at the design's sustainable rate if lower: a hiccup after idle shows only
                    // under a load the design otherwise takes (and a backlog would spoil the next measurements)
                    Search direct = searches.getOrDefault("direct", Map.of()).get(t.name);
                    int rate = direct != null && direct.confirmed != null ? Math.min(COLD_RATE, direct.confirmed.rate) : COLD_RATE;
                    double idleSeconds = (System.nanoTime() - t.lastLoadEnd) / 1e9;
                    Step s = runStep(t, "idle", "direct", rate, SECONDS, false, DRAIN_SECONDS, null);
                    s.idleSeconds = idleSeconds;
                    idle.add(s);
                }
            }
        }
        List<Step> cpu = new ArrayList<>();
        if (PHASES.contains("cpu")) {
            for (Target t : targets) {
                if (!overBudget()) {
                    cpu.add(runStep(t, "cpu", "direct", CPU_RATE, CPU_SECONDS, false, 60, null));
                }
                // the last phase: a backlog this target could not drain must not load the machine for the next
                t.close();
            }
        }
        String report = Report.markdown(this, designs, searches, idle, cpu);
        closeAll();
        return report;
    }

    /**
     * Load for the JIT (and the pools) before anything is measured: chunks of 10 s, direct and group in turn,
     * up to {@code bench.warmupRate} direct messages/s and a fifth of it in groups. The load is kept near what
     * the target takes: a chunk stops early once more than 5 % of its copies are later than 1 s, and its
     * kind's rate goes down (x0.7), else up (x1.5, to the maximum). It lasts {@code bench.warmupSeconds} at
     * least and then until two chunks in a row saw the target's JIT compilers below
     * {@code bench.warmupJitMsPerSecond} ({@code bench.warmupMaxSeconds} at most): a JVM still compiling
     * spends CPU and latency that a measurement would blame on the design.
     */
    private void warmUp(Target t) throws Exception {
        if (WARMUP_SECONDS <= 0) {
            return;
        }
        Map<String, Integer> rates = new LinkedHashMap<>(Map.of("direct", WARMUP_RATE, "group", Math.max(1, WARMUP_RATE / 5)));
        long start = System.nanoTime();
        int quiet = 0;
        double jit = Double.NaN;
        for (int i = 0; ; i++) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (elapsed >= WARMUP_SECONDS && quiet >= 2 || elapsed >= WARMUP_MAX_SECONDS || overBudget()) {
                break;
            }
            String kind = i % 2 == 0 ? "direct" : "group";
            Step s = runStep(t, "warm-up", kind, rates.get(kind), 10, true, DRAIN_SECONDS, null, 1000, 0.95);
            int limit = kind.equals("direct") ? WARMUP_RATE : Math.max(1, WARMUP_RATE / 5);
            boolean took = !Boolean.TRUE.equals(s.lg.get("aborted"));
            rates.put(kind, took ? Math.min(limit, round(rates.get(kind) * 1.5)) : Math.max(1, round(rates.get(kind) * 0.7)));
            jit = s.cpu.ms().getOrDefault("part:service jit", Double.NaN) / s.cpu.seconds();
            quiet = jit < WARMUP_JIT ? quiet + 1 : 0;
        }
        t.warmSeconds = (System.nanoTime() - start) / 1e9;
        t.warmJit = jit;
        log("%s: warm-up done after %.0f s (JIT compilers %.0f ms/s in the last chunk)", t.name, t.warmSeconds, jit);
    }

    List<Target> targets() {
        return targets;
    }

    List<Step> steps() {
        return steps;
    }

    String runId() {
        return runId;
    }

    /**
     * A design's session for everything but the cold start. With the cold phase, a first session measures the
     * cold start and is then stopped with whatever backlog it has (a design that cannot take the cold rate
     * would otherwise keep the machine busy draining it).
     */
    private Target startDesign(String name, Path checkout) throws Exception {
        if (PHASES.contains("cold")) {
            Target cold = launchDesign(name, checkout);
            Step step = runStep(cold, "cold", "direct", COLD_RATE, SECONDS, false, DRAIN_SECONDS, true);
            step.startupSeconds = (Lines.num(step.lg, "readyAt", 0) - cold.service.startedNanos) / 1e9;
            retire(cold);
        }
        Target t = launchDesign(name, checkout);
        awaitReady(t);
        Map<String, Object> groups = call(Map.of("cmd", "groups", "id", t.session));
        log("%s: %s groups created %s", name, groups.get("created"), groups.get("failures"));
        return t;
    }

    private void retire(Target t) throws Exception {
        call(Map.of("cmd", "close", "id", t.session));
        t.close();
    }

    /**
     * A rolling deploy's new instance (issue 24): {@code warm}'s design at the cold rate for a step, then a fresh
     * process of it beside it, on its store, with the broker and the load generator as warm as they are, at the
     * same rate from the moment it answers (the warm one stays up, idle, as the other instances of a deploy).
     */
    private void restart(Target warm) throws Exception {
        runStep(warm, "warm", "direct", COLD_RATE, SECONDS, false, DRAIN_SECONDS, null);
        warm.clearTimelines(); // the fresh one's step counts what it stores from the start (nothing is in flight)
        Target fresh = Target.restartOf(warm, runId, ++sessions);
        launched.add(fresh);
        startService(fresh);
        Step step = runStep(fresh, "restart", "direct", COLD_RATE, SECONDS, false, DRAIN_SECONDS, true);
        step.startupSeconds = (Lines.num(step.lg, "readyAt", 0) - fresh.service.startedNanos) / 1e9;
        retire(fresh);
    }

    private Target launchDesign(String name, Path checkout) throws Exception {
        Target t = new Target(name, checkout, runId, ++sessions);
        launched.add(t);
        t.startStore(logs);
        startService(t);
        return t;
    }

    private void startService(Target t) throws Exception {
        List<String> jvm = new ArrayList<>();
        String options = System.getProperty("bench.serviceJvm", "").trim();
        if (!options.isEmpty()) {
            jvm.addAll(Arrays.asList(options.split("\\s+")));
        }
        t.startService(logs, RABBIT, jvm);
        log("%s: service pid %d on port %d (%s), store pid %d, app %s", t.name, t.service.pid(), t.port, t.checkout,
                t.store.pid(), t.app);
        call(Map.of("cmd", "session", "id", t.session, "app", t.app, "base", t.base()));
    }

    private Target startRaw() throws Exception {
        Target t = new Target("raw", null, runId, ++sessions);
        launched.add(t);
        t.startStore(logs);
        t.startRaw(logs, RABBIT);
        call(Map.of("cmd", "session", "id", t.session, "app", t.app));
        log("raw: pid %d, store pid %d, app %s", t.service.pid(), t.store.pid(), t.app);
        return t;
    }

    private void awaitReady(Target t) throws Exception {
        HttpRequest ping = HttpRequest.newBuilder(URI.create(t.base() + "/")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (Exception e) {
                // not yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(t.name + " did not answer GET / (see " + logs + ")");
    }

    private Map<String, Object> call(Map<String, Object> command) throws Exception {
        loadgen.send(command);
        Map<String, Object> event = loadgen.next(300_000);
        if ("error".equals(event.get("event"))) {
            throw new IllegalStateException("load generator: " + event.get("message"));
        }
        return event;
    }

    // ---- the rate search --------------------------------------------------------------------------

    /** The search of one target for one kind of message. */
    final class Search {
        final Target target;
        final String kind;
        int low;
        int high = Integer.MAX_VALUE;
        int next = START_RATE;
        int probes;
        int confirms;
        boolean confirming;
        boolean done;
        Step confirmed;
        String note = "";
        int retried = -1;

        Search(Target target, String kind) {
            this.target = target;
            this.kind = kind;
        }

        void step() throws Exception {
            if (overBudget()) {
                done = true;
                note = "time budget (bench.maxMinutes) reached";
                return;
            }
            int rate = next;
            Step s = runStep(target, confirming ? "confirm" : "probe", kind, rate, confirming ? SECONDS : PROBE_SECONDS, true,
                    DRAIN_SECONDS, null);
            if (!s.ok && s.cpu.othersPct() > NOISY_PCT && retried != rate) {
                // other programs on the machine took a large share during the step: once more at the same rate
                retried = rate;
                s.why += String.format(" (others took %.0f%% of the host: repeated)", s.cpu.othersPct());
                return;
            }
            if (confirming) {
                if (s.ok) {
                    confirmed = s;
                    done = true;
                    return;
                }
                high = Math.min(high, rate);
                if (++confirms >= 4 || rate <= 10) {
                    done = true;
                    note = "no confirmed rate";
                    return;
                }
                next = round(rate * 0.85);
                return;
            }
            probes++;
            if (s.ok) {
                low = rate;
            } else {
                high = rate;
            }
            if (low == 0 && rate <= 10) {
                done = true;
                note = "not even " + rate + " msg/s";
                return;
            }
            if (high == Integer.MAX_VALUE) {
                next = rate * 2;
            } else if (low == 0) {
                next = round(rate / 2.0);
            } else {
                next = round(Math.sqrt((double) low * high));
            }
            if ((low > 0 && (double) high / low <= PRECISION) || next == low || next == high || probes >= MAX_PROBES) {
                if (low == 0) {
                    done = true;
                    note = "no probe passed";
                    return;
                }
                confirming = true;
                next = low;
            }
        }
    }

    private Map<String, Search> search(String kind) throws Exception {
        Map<String, Search> searches = new LinkedHashMap<>();
        for (Target t : targets) {
            searches.put(t.name, new Search(t, kind));
        }
        while (searches.values().stream().anyMatch(s -> !s.done)) {
            for (Search s : searches.values()) {
                if (!s.done) {
                    s.step();
                }
            }
        }
        return searches;
    }

    static int round(double rate) {
        return rate >= 100 ? (int) Math.round(rate / 10) * 10 : Math.max(1, (int) Math.round(rate));
    }

    // ---- one measured window ----------------------------------------------------------------------

    /**
     * Runs one step on a target: {@code seconds} at {@code rate} messages/s, then the drain. With
     * {@code abort} the load generator stops as soon as p99 <= 100 ms is out of reach. {@code waitReady}:
     * a cold start (load from the moment the service answers).
     */
    private Step runStep(Target t, String phase, String kind, int rate, int seconds, boolean abort, int drainSeconds,
                         Boolean waitReady) throws Exception {
        return runStep(t, phase, kind, rate, seconds, abort, drainSeconds, waitReady, 100, 0.99);
    }

    /** ... stopping early (with {@code abort}) once the {@code quantile} of copies within {@code lateMs} is out of reach. */
    private Step runStep(Target t, String phase, String kind, int rate, int seconds, boolean abort, int drainSeconds,
                         Boolean waitReady, int lateMs, double quantile) throws Exception {
        boolean cold = Boolean.TRUE.equals(waitReady);
        if (!cold && !t.raw() && t.queues.isEmpty()) {
            t.findQueues(admin); // a design's consumers (and their queues) may start after it first answers
            if (!t.queues.isEmpty()) {
                log("%s: delivery queues %s", t.name, t.queues);
            }
        }
        if (!cold) {
            settle(t);
            // every step starts from empty timelines: a target that stored more before is not slowed by it
            t.clearTimelines();
        }
        String marker = "m" + ++markers;
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("service", t.service.pid());
        pids.put("store", t.store.pid());
        pids.put("broker", brokerPid);
        pids.put("loadgen", loadgen.pid());
        pids.put("also:runner", ProcessHandle.current().pid());
        for (Target other : targets) {
            if (other != t && other.store != t.store) {
                pids.put("also:" + other.name + "-service", other.service.pid());
                pids.put("also:" + other.name + "-store", other.store.pid());
            }
        }
        Step s = new Step();
        if (!cold) {
            s.quietWait = waitForQuiet(pids);
        }
        long before = cold ? 0 : t.count();
        s.target = t.name;
        s.phase = phase;
        s.kind = kind;
        s.rate = rate;
        s.seconds = seconds;
        s.atMinutes = minutes();
        List<Integer> depths = new ArrayList<>();
        ScheduledFuture<?> sampling = t.queues.isEmpty() ? null : sampler.scheduleAtFixedRate(() -> {
            try {
                int d = t.depth(adminChannel);
                synchronized (depths) {
                    depths.add(d);
                }
            } catch (Exception e) {
                reopenAdminChannel();
            }
        }, 1, 1, TimeUnit.SECONDS);

        Cpu.Sample c0 = Cpu.sample(pids);
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("cmd", "step");
        command.put("id", t.session);
        command.put("target", t.raw() ? "raw" : "http");
        command.put("kind", kind);
        command.put("rate", rate);
        command.put("seconds", seconds);
        command.put("marker", marker);
        command.put("abort", abort);
        command.put("drainSeconds", drainSeconds);
        command.put("firstSeconds", FIRST_SECONDS);
        command.put("skipSeconds", COLD_SKIP_SECONDS);
        command.put("waitReady", cold);
        command.put("lateMs", lateMs);
        command.put("quantile", quantile);
        if (t.raw()) {
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            command.put("start", start);
            t.service.send(Map.of("cmd", "step", "kind", kind, "rate", rate, "seconds", seconds, "marker", marker,
                    "start", start, "batch", RAW_BATCH, "workers", RAW_WORKERS));
        }
        loadgen.send(command);
        long timeout = TimeUnit.SECONDS.toMillis(seconds + drainSeconds + 240L);
        while (true) {
            Map<String, Object> event = loadgen.next(timeout);
            if ("abort".equals(event.get("event"))) {
                if (t.raw()) {
                    t.service.send(Map.of("cmd", "stop"));
                }
            } else if ("result".equals(event.get("event"))) {
                s.lg = event;
                break;
            } else if ("error".equals(event.get("event"))) {
                throw new IllegalStateException("load generator: " + event.get("message"));
            }
        }
        if (t.raw()) {
            s.raw = t.service.await("result", 300_000);
            s.accepted = Lines.num(s.raw, "processed", 0);
            // after an abort the raw program generated until it heard of it: those copies are expected too
            s.lg = new LinkedHashMap<>(s.lg);
            s.lg.put("expectedSeen", Lines.num(s.raw, "generated", 0) * Workload.observedPerMessage(kind));
            @SuppressWarnings("unchecked")
            List<Number> rawDepths = (List<Number>) s.raw.getOrDefault("depths", List.of());
            rawDepths.forEach(d -> depths.add(d.intValue()));
        } else {
            s.accepted = Lines.num(s.lg, "accepted", 0);
        }
        s.expectedStored = s.accepted * Workload.storedPerMessage(kind);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
        while (t.count() - before < s.expectedStored && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        s.stored = t.count() - before;
        s.cpu = Cpu.between(c0, Cpu.sample(pids));
        if (sampling != null) {
            sampling.cancel(false);
        }
        synchronized (depths) {
            s.maxDepth = depths.stream().mapToInt(Integer::intValue).max().orElse(0);
            int half = depths.size() / 2;
            int firstHalf = depths.subList(0, half).stream().mapToInt(Integer::intValue).max().orElse(0);
            int secondHalf = depths.subList(half, depths.size()).stream().mapToInt(Integer::intValue).max().orElse(0);
            s.growing = secondHalf > firstHalf + Math.max(10, rate / 10);
        }
        judge(s);
        t.lastLoadEnd = System.nanoTime();
        if (s.lg.get("maxBySecond") instanceof List<?> series && !s.ok) {
            StringBuilder slow = new StringBuilder();
            for (int i = 0; i < series.size(); i++) {
                if (series.get(i) instanceof Number n && n.intValue() > 100) {
                    slow.append(slow.isEmpty() ? "" : ", ").append(i).append(": ").append(n.intValue());
                }
            }
            s.why += slow.isEmpty() ? "" : " [max ms by second: " + slow + "]";
        }
        steps.add(s);
        log("%-6s %-8s %-6s %5d msg/s %3d s: %s p50 %s p99 %s ms, first 10 s p99 %s, seen %s/%s, stored %d/%d, max queue %d, "
                        + "host %.0f%% (others %.0f%%) %s", t.name, phase, kind, rate, seconds, s.ok ? "ok  " : "FAIL", s.p("all", "p50"),
                s.p("all", "p99"), s.p("first", "p99"), s.lg.get("seen"), s.lg.get("expectedSeen"), s.stored,
                s.expectedStored, s.maxDepth, s.cpu.hostBusyPct(), s.cpu.othersPct(), s.why);
        return s;
    }

    /** Sustainable: p99 <= 100 ms, no error, every copy seen and stored, no growing backlog. */
    private static void judge(Step s) {
        List<String> why = new ArrayList<>();
        if (Boolean.TRUE.equals(s.lg.get("aborted"))) {
            why.add(String.format("stopped at %.1f s: >1%% of copies later than 100 ms", Lines.dbl(s.lg, "abortAtSeconds")));
        }
        if (s.lg.get("errors") instanceof Map<?, ?> errors && !errors.isEmpty()) {
            why.add("errors " + errors);
        }
        if (s.raw != null && Lines.num(s.raw, "errors", 0) > 0) {
            why.add("raw errors " + s.raw.get("errors"));
        }
        Object p99 = s.p("all", "p99");
        if (!(p99 instanceof Number n) || n.doubleValue() > 100) {
            why.add("p99 " + p99);
        }
        if (Lines.num(s.lg, "seen", 0) < Lines.num(s.lg, "expectedSeen", 0)) {
            why.add("seen " + s.lg.get("seen") + "/" + s.lg.get("expectedSeen"));
        }
        if (s.stored < s.expectedStored) {
            why.add("stored " + s.stored + "/" + s.expectedStored);
        }
        if (s.growing) {
            why.add("backlog grew to " + s.maxDepth);
        }
        s.ok = why.isEmpty();
        s.why = String.join("; ", why);
    }

    /**
     * Waits while programs other than this benchmark's take more than {@code bench.quietPct} of the host (1 s
     * samples, {@code bench.quietWaitSeconds} at most): on a shared machine a build next door would otherwise
     * decide the result. The seconds waited.
     */
    private double waitForQuiet(Map<String, Long> pids) throws InterruptedException {
        long start = System.nanoTime();
        boolean logged = false;
        while (true) {
            Cpu.Sample a = Cpu.sample(pids);
            Thread.sleep(1000);
            double others = Cpu.between(a, Cpu.sample(pids)).othersPct();
            double waited = (System.nanoTime() - start) / 1e9;
            if (others <= QUIET_PCT || waited >= QUIET_WAIT_SECONDS) {
                if (logged) {
                    log("  ... waited %.0f s (others now %.0f%%)", waited, others);
                }
                return waited - 1;
            }
            if (!logged) {
                log("  other programs take %.0f%% of the host: waiting for them (up to %d s)", others, QUIET_WAIT_SECONDS);
                logged = true;
            }
        }
    }

    /** Before a step: the target's queues are empty and its store no longer changes (bounded). */
    private void settle(Target t) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long count = t.count();
            int depth;
            try {
                depth = t.depth(adminChannel);
            } catch (Exception e) {
                reopenAdminChannel();
                depth = 0;
            }
            if (count == last && depth == 0) {
                return;
            }
            last = count;
            Thread.sleep(300);
        }
        log("%s: still busy after 60 s (backlog of an earlier step)", t.name);
    }

    private synchronized void reopenAdminChannel() {
        try {
            if (!adminChannel.isOpen()) {
                adminChannel = admin.createChannel();
            }
        } catch (Exception e) {
            // next sample tries again
        }
    }

    private boolean overBudget() {
        return minutes() > MAX_MINUTES;
    }

    private double minutes() {
        return (System.nanoTime() - started) / 60e9;
    }

    private void log(String format, Object... args) {
        System.out.printf("[%5.1f min] %s%n", minutes(), String.format(format, args));
    }

    // ---- clean-up ---------------------------------------------------------------------------------

    private boolean closed;

    /** Stops every process and deletes every broker object of this run's sessions (idempotent). */
    private synchronized void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        for (Target t : launched) {
            try {
                loadgen.send(Map.of("cmd", "close", "id", t.session));
            } catch (Exception e) {
                // the load generator is gone: its queues went with its connection
            }
            t.close();
        }
        loadgen.close();
        deleteBrokerObjects();
        try {
            admin.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    /**
     * Queues and exchanges named {@code bench.<run>...}: the renamed names themselves, and whatever else
     * {@code rabbitmqctl} lists under them (queues made from a renamed prefix, such as the observer's).
     */
    private void deleteBrokerObjects() {
        List<String> queues = new ArrayList<>();
        List<String> exchanges = new ArrayList<>();
        for (Target t : launched) {
            queues.addAll(t.brokerNames);
            exchanges.addAll(t.brokerNames);
        }
        String prefix = "bench." + runId;
        queues.addAll(rabbitmqctl("list_queues", prefix));
        exchanges.addAll(rabbitmqctl("list_exchanges", prefix));
        int deleted = 0;
        for (String q : queues.stream().distinct().toList()) {
            deleted += delete(ch -> ch.queueDelete(q));
        }
        for (String x : exchanges.stream().distinct().toList()) {
            deleted += delete(ch -> ch.exchangeDelete(x));
        }
        List<String> left = new ArrayList<>(rabbitmqctl("list_queues", prefix));
        left.addAll(rabbitmqctl("list_exchanges", prefix));
        System.out.printf("broker objects of run %s deleted%s%n", runId, left.isEmpty() ? "" : "; still there: " + left);
    }

    private interface ChannelAction {
        void run(Channel channel) throws Exception;
    }

    private int delete(ChannelAction action) {
        try (Channel ch = admin.createChannel()) {
            action.run(ch);
            return 1;
        } catch (Exception e) {
            return 0;
        }
    }

    /** Names of the broker's queues or exchanges starting with {@code prefix}; empty if rabbitmqctl cannot be run. */
    private static List<String> rabbitmqctl(String what, String prefix) {
        try {
            Process p = new ProcessBuilder("rabbitmqctl", "-q", what, "name").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return List.of();
            }
            return out.lines().map(String::trim).filter(n -> n.startsWith(prefix)).toList();
        } catch (Exception e) {
            return List.of();
        }
    }
}
