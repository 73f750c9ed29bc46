package org.chat21.camel.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.chat21.camel.webhooks.WebhookEndpoints;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The webhook delivery benchmark of issue 23 ({@code bash bench/webhooks.sh}): this checkout's packaged service
 * as a process of its own, a store stand-in in another, the machine's RabbitMQ, and receivers in this JVM
 * (Vert.x, answering after timers: they hold no thread per request).
 * <ul>
 * <li>{@code isolation}: endpoint /iso answers in 100 ms; {@code bench.rate} messages/s (100) for
 * {@code bench.seconds} (10) over HTTP, one message-sent event each; a tenth of them slow (the endpoint takes
 * 5 s), a tenth failing their first 3 attempts; a second endpoint is down (connection refused). Reported: every
 * send's answer, the normal events' latency from the send's 200 to the endpoint's receipt (p50, p99, max), when
 * the slow and failing ones arrived, the down endpoint's circuit.</li>
 * <li>{@code bridges}: one HTTP bridge over every group of the app ({@code bench.bridgeGroups}, 50), a remote
 * answering in {@code bench.latencyMs}, {@code bench.bridgeRate} (20) group messages/s for {@code bench.bridgeSeconds}
 * (15), group 0's messages failing 3 times each: the other groups' latency (send's 200 to the remote's 2xx) and
 * every group's order at the remote.</li>
 * <li>{@code throughput}: endpoints answering in {@code bench.latencyMs} (200 ms) with 64 and 256 in flight;
 * each one's queue filled with {@code bench.events} (20,000) events, then drained: events/s in the steady
 * middle of the drain against N/latency, and the service's CPU per event.</li>
 * </ul>
 */
public final class WebhookBench {
    static final int RATE = Integer.getInteger("bench.rate", 100);
    static final int SECONDS = Integer.getInteger("bench.seconds", 10);
    static final int LATENCY_MS = Integer.getInteger("bench.latencyMs", 200);
    static final int EVENTS = Integer.getInteger("bench.events", 20_000);
    static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 20);
    static final List<String> PHASES = List.of(System.getProperty("bench.phases", "isolation,throughput,bridges").split(","));
    static final int BRIDGE_GROUPS = Integer.getInteger("bench.bridgeGroups", 50);
    static final int BRIDGE_RATE = Integer.getInteger("bench.bridgeRate", 20);
    static final int BRIDGE_SECONDS = Integer.getInteger("bench.bridgeSeconds", 15);
    static final String RABBIT = System.getProperty("bench.rabbitmq", "amqp://guest:guest@127.0.0.1:5672");
    static final String APP = "tilechat";

    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private final String exchange = "bench." + run + ".webhooks";
    private final Path logs = Path.of("target", "bench-logs", "webhooks-" + run);
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final StringBuilder report = new StringBuilder();
    private int receiverPort;
    private String downUrl;
    private int servicePort;
    private int managementPort;
    private Child store;
    private Child service;

    /** first 2xx receipt per message id at /iso (epoch ms), and the send's 200 per message id */
    private final Map<String, Long> received = new ConcurrentHashMap<>();
    private final Map<String, Long> answered = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final AtomicLong tpReceived = new AtomicLong();
    private final AtomicInteger tpActive = new AtomicInteger();
    private final AtomicInteger tpMostActive = new AtomicInteger();
    /** what /iso answered: "<kind> <status>" -> how often */
    private final Map<String, AtomicInteger> isoAnswers = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        WebhookBench bench = new WebhookBench();
        int code = 0;
        try {
            bench.run();
        } catch (Throwable e) {
            e.printStackTrace();
            code = 1;
        } finally {
            bench.close();
        }
        System.exit(code);
    }

    private void run() throws Exception {
        Files.createDirectories(logs);
        line("# Webhook delivery benchmark %s (%s, %d cores)", run, LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME),
                Runtime.getRuntime().availableProcessors());
        receiverPort = startReceiver();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        store = Child.program("store", StoreProcess.class, List.of("-Xmx512m"), List.of(), logs.resolve("store.log"));
        int storePort = ((Number) store.await("ready", 60_000).get("port")).intValue();
        servicePort = org.chat21.camel.infra.EmbeddedBroker.freePort();
        String iso = "http://127.0.0.1:" + receiverPort + "/iso";
        String down = "http://127.0.0.1:" + closedPort + "/down";
        downUrl = down;
        String tp64 = "http://127.0.0.1:" + receiverPort + "/tp64";
        String tp256 = "http://127.0.0.1:" + receiverPort + "/tp256";
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MONGODB_URI", "mongodb://127.0.0.1:" + storePort + "/chatdb");
        env.put("RABBITMQ_URI", RABBIT);
        env.put("PORT", String.valueOf(servicePort));
        managementPort = org.chat21.camel.infra.EmbeddedBroker.freePort();
        env.put("MANAGEMENT_PORT", String.valueOf(managementPort));
        env.put("MANAGEMENT_HOST", "127.0.0.1");
        env.put("HOST", "127.0.0.1");
        env.put("LOG_LEVEL", "WARN");
        env.put("WEBHOOK_ENABLED", "true");
        env.put("WEBHOOK_EVENTS", "message-sent");
        env.put("WEBHOOK_ENDPOINTS", String.join(",", iso + "#in-flight=" + Integer.getInteger("bench.isoInFlight", 64), down, tp64 + "#in-flight=64", tp256 + "#in-flight=256"));
        // short enough that the failing events arrive within the run (the default starts at 5 s, then 5 min)
        env.put("WEBHOOK_RETRY_SCHEDULE", System.getProperty("bench.retrySchedule", "1s,2s,4s,8s"));
        env.put("HTTP_IDLE_TIMEOUT_SECONDS", "600");
        // one HTTP bridge over every group of the app: a bridge file of the operator's, next to the shipped routes
        Path bridgeFile = logs.resolve("bridges.yaml").toAbsolutePath();
        Files.writeString(bridgeFile, """
                - route:
                    id: bench-crm
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: crm%s, appId: %s, conversation: "*"}
                      steps:
                        - to:
                            uri: kamelet:http-bridge-sink
                            parameters: {url: "http://127.0.0.1:%d/bridge"}
                """.formatted(run, APP, receiverPort));
        List<String> jvm = List.of("-Xmx512m", "-Dchat21.webhooks.exchange=" + exchange,
                "-Dcamel.main.routes-include-pattern=file:routes/*.yaml,file:" + bridgeFile,
                "-Dchat21.bridges.queue-prefix=" + exchange + ".bridges",
                "-Dchat21.bridges.retry-schedule=" + System.getProperty("bench.bridgeRetrySchedule", "1s,2s,4s"),
                "-Dchat21.webhooks.queue-prefix=" + exchange, "-Dchat21.observer.queue-prefix=" + exchange + ".observer",
                "-Dchat21.observer.app=bench" + run, "-Dchat21.exchange.group-changes=" + exchange + ".group-changes");
        service = Child.service("service", Path.of(".").toAbsolutePath().normalize(), jvm, env, logs.resolve("service.log"));
        awaitService();
        line("");
        line("Service: this checkout's jar, -Xmx512m; endpoints %s (100 ms), a closed port (down), /tp64 and /tp256 (%d ms); "
                + "retry schedule %s; logs under %s", iso, LATENCY_MS, env.get("WEBHOOK_RETRY_SCHEDULE"), logs);
        // warm-up: the send path and the delivery path compiled before anything is measured
        sendAt(RATE, WARMUP_SECONDS, "warm");
        waitQuiet();
        if (PHASES.contains("isolation")) {
            isolation();
        }
        if (PHASES.contains("throughput")) {
            throughput(tp64, 64);
            throughput(tp256, 256);
        }
        if (PHASES.contains("bridges")) {
            bridges();
        }
        String text = report.toString();
        Path file = Path.of("target", "webhook-bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
        Files.writeString(file, text);
        System.out.println();
        System.out.println(text);
        System.out.println("written to " + file);
    }

    // ---- isolation

    private void isolation() throws Exception {
        received.clear();
        answered.clear();
        Map<String, String> kinds = sendAt(RATE, SECONDS, "iso");
        long sent = kinds.size();
        List<String> normal = kinds.entrySet().stream().filter(e -> e.getValue().equals("normal")).map(Map.Entry::getKey).toList();
        List<String> slow = kinds.entrySet().stream().filter(e -> e.getValue().equals("slow")).map(Map.Entry::getKey).toList();
        List<String> failing = kinds.entrySet().stream().filter(e -> e.getValue().equals("fail")).map(Map.Entry::getKey).toList();
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && !received.keySet().containsAll(kinds.keySet())) {
            Thread.sleep(200);
        }
        List<Long> normalMs = latencies(normal);
        List<Long> slowMs = latencies(slow);
        List<Long> failMs = latencies(failing);
        line("");
        line("## Isolation: %d msg/s for %d s to /iso (100 ms, %d in flight), a tenth slow (5 s), a tenth failing 3 times, /down refusing",
                RATE, SECONDS, Integer.getInteger("bench.isoInFlight", 64));
        line("");
        line("| what | count | arrived | p50 ms | p99 ms | max ms |");
        line("|---|---|---|---|---|---|");
        line("| sends answered 200 | %d of %d | | | | |", answered.size(), sent);
        row("normal events (send's 200 to receipt)", normal.size(), normalMs);
        row("slow events", slow.size(), slowMs);
        row("failing events (4th attempt)", failing.size(), failMs);
        line("");
        line("Target: every event accepted and the normal events' p99 <= 2000 ms: %s (p99 %s ms).",
                answered.size() == sent && p(normalMs, 99) <= 2000 && normalMs.size() == normal.size() ? "met" : "NOT met", p(normalMs, 99));
        line("What /iso answered (warm-up included): %s", new java.util.TreeMap<>(isoAnswers));
        line("The down endpoint: %s", metricLines("chat21_webhook_circuit_state", "/down") + "; "
                + metricLines("chat21_webhook_failed_attempts_total", "/down"));
    }

    private void row(String what, int count, List<Long> ms) {
        line("| %s | %d | %d | %s | %s | %s |", what, count, ms.size(), p(ms, 50), p(ms, 99), p(ms, 100));
    }

    private List<Long> latencies(List<String> ids) {
        List<Long> out = new ArrayList<>();
        for (String id : ids) {
            Long r = received.get(id);
            Long a = answered.get(id);
            if (r != null && a != null) {
                out.add(Math.max(0, r - a));
            }
        }
        Collections.sort(out);
        return out;
    }

    private static long p(List<Long> sorted, int pct) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int i = (int) Math.ceil(pct / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    /**
     * Sends {@code rate} messages a second for {@code seconds}, open loop, texts {@code <tag>-<kind>-<n>} with a
     * tenth slow and a tenth failing; message id -> kind of those answered 200.
     */
    private Map<String, String> sendAt(int rate, int seconds, String tag) throws Exception {
        Map<String, String> kinds = new ConcurrentHashMap<>();
        int total = rate * seconds;
        CountDownLatch done = new CountDownLatch(total);
        String token = org.chat21.camel.TestTokens.user("bench" + run, APP);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + TimeUnit.SECONDS.toNanos(i) / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            String kind = i % 10 == 3 ? "slow" : i % 10 == 7 ? "fail" : "normal";
            String body = "{\"recipient_id\":\"r" + run + "\",\"recipient_fullname\":\"R\",\"sender_fullname\":\"S\",\"text\":\""
                    + tag + "-" + kind + "-" + i + "\"}";
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servicePort + "/api/" + APP + "/messages"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "JWT " + token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                try {
                    if (e == null && r.statusCode() == 200) {
                        String id = new JsonObject(r.body()).getJsonObject("result").getString("message_id");
                        answered.put(id, System.currentTimeMillis());
                        kinds.put(id, kind);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await(60, TimeUnit.SECONDS);
        return kinds;
    }

    // ---- throughput

    private void throughput(String url, int inFlight) throws Exception {
        String queue = WebhookEndpoints.queueName(exchange, url);
        ConnectionFactory cf = new ConnectionFactory();
        cf.setUri(RABBIT);
        try (Connection c = cf.newConnection("webhook-bench"); Channel ch = c.createChannel()) {
            // the endpoint's consumer is paused meanwhile? no: it drains as we fill; fill fast, measure the middle
            ch.confirmSelect();
            tpReceived.set(0);
            tpMostActive.set(0);
            long fillStart = System.nanoTime();
            for (int i = 0; i < EVENTS; i++) {
                String id = UUID.randomUUID().toString();
                Map<String, Object> headers = Map.of("X-Chat21-Event-Id", id, "X-Chat21-Event-Type", "message-sent",
                        "x-chat21-published-at", System.currentTimeMillis());
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().contentType("application/json")
                        .deliveryMode(2).messageId(id).headers(headers).build();
                ch.basicPublish("", queue, props, ("{\"event_type\":\"message-sent\",\"app_id\":\"" + APP
                        + "\",\"createdAt\":1,\"data\":{\"text\":\"tp " + i + "\"}}").getBytes(StandardCharsets.UTF_8));
                if (i % 500 == 499) {
                    ch.waitForConfirmsOrDie(30_000);
                }
            }
            ch.waitForConfirmsOrDie(30_000);
            double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
            // the steady middle: from a fifth to four fifths of the events received
            long from = EVENTS / 5;
            long to = EVENTS * 4L / 5;
            waitFor(() -> tpReceived.get() >= from, 300_000);
            long t0 = System.nanoTime();
            long ticks0 = Cpu.processTicks(service.pid());
            long n0 = tpReceived.get();
            waitFor(() -> tpReceived.get() >= to, 300_000);
            long t1 = System.nanoTime();
            long ticks1 = Cpu.processTicks(service.pid());
            long n1 = tpReceived.get();
            waitFor(() -> tpReceived.get() >= EVENTS, 300_000);
            double seconds = (t1 - t0) / 1e9;
            double rate = (n1 - n0) / seconds;
            double bound = inFlight * 1000.0 / LATENCY_MS;
            double cpuMsPerEvent = (ticks1 - ticks0) * 1000.0 / Cpu.TICKS_PER_SECOND / (n1 - n0);
            line("");
            line("## Throughput: %d events to an endpoint answering in %d ms, %d in flight", EVENTS, LATENCY_MS, inFlight);
            line("");
            line("Filled in %.1f s; steady middle (%d events in %.1f s): **%.0f events/s**, %.0f %% of N/latency = %.0f/s; "
                            + "at most %d POSTs under way at the receiver; service CPU %.3f ms per event (%.0f %% of a core).",
                    fillSeconds, n1 - n0, seconds, rate, 100 * rate / bound, bound, tpMostActive.get(), cpuMsPerEvent,
                    100.0 * (ticks1 - ticks0) / Cpu.TICKS_PER_SECOND / seconds);
        }
    }

    // ---- bridges

    /** group index -> sequence numbers in the order the remote took them; message text -> when the send got 200 */
    private final Map<Integer, List<Integer>> bridgeOrder = new ConcurrentHashMap<>();
    private final Map<String, Long> bridgeAnswered = new ConcurrentHashMap<>();
    private final Map<String, Long> bridgeReceived = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> bridgeFailures = new ConcurrentHashMap<>();

    private void bridges() throws Exception {
        String owner = "owner" + run;
        String token = org.chat21.camel.TestTokens.user(owner, APP);
        for (int g = 0; g < BRIDGE_GROUPS; g++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servicePort + "/api/" + APP + "/groups"))
                    .header("Authorization", "JWT " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"group_id\":\"" + group(g) + "\",\"group_name\":\"G" + g
                            + "\",\"group_members\":{\"" + owner + "\":1,\"member" + run + "\":1}}")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("group " + g + ": " + r.statusCode() + " " + r.body());
            }
        }
        int total = BRIDGE_RATE * BRIDGE_SECONDS;
        CountDownLatch done = new CountDownLatch(total);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long wait = start + TimeUnit.SECONDS.toNanos(i) / BRIDGE_RATE - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int g = i % BRIDGE_GROUPS;
            int seq = i / BRIDGE_GROUPS;
            String text = "b-" + g + "-" + seq;
            String body = "{\"recipient_id\":\"" + group(g) + "\",\"recipient_fullname\":\"G\",\"sender_fullname\":\"O\","
                    + "\"channel_type\":\"group\",\"text\":\"" + text + "\"}";
            http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servicePort + "/api/" + APP + "/messages"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "JWT " + token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                        if (e == null && r.statusCode() == 200) {
                            bridgeAnswered.put(text, System.currentTimeMillis());
                        }
                        done.countDown();
                    });
        }
        done.await(60, TimeUnit.SECONDS);
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline && !bridgeReceived.keySet().containsAll(bridgeAnswered.keySet())) {
            Thread.sleep(200);
        }
        List<Long> others = new ArrayList<>();
        List<Long> failing = new ArrayList<>();
        for (Map.Entry<String, Long> e : bridgeAnswered.entrySet()) {
            Long r = bridgeReceived.get(e.getKey());
            if (r != null) {
                (e.getKey().startsWith("b-0-") ? failing : others).add(Math.max(0, r - e.getValue()));
            }
        }
        Collections.sort(others);
        Collections.sort(failing);
        int inOrder = 0;
        for (int g = 0; g < BRIDGE_GROUPS; g++) {
            List<Integer> seqs = bridgeOrder.getOrDefault(g, List.of());
            boolean ordered = true;
            for (int k = 0; k < seqs.size(); k++) {
                ordered &= seqs.get(k) == k;
            }
            if (ordered) {
                inOrder++;
            }
        }
        line("");
        line("## Bridges: one HTTP bridge over every group (%d groups), a 200 ms remote, %d msg/s for %d s, group 0 failing 3 times each",
                BRIDGE_GROUPS, BRIDGE_RATE, BRIDGE_SECONDS);
        line("");
        line("| what | count | arrived | p50 ms | p99 ms | max ms |");
        line("|---|---|---|---|---|---|");
        line("| sends answered 200 | %d of %d | | | | |", bridgeAnswered.size(), total);
        row("the other groups' messages (send's 200 to the remote's 2xx)", (int) bridgeAnswered.keySet().stream()
                .filter(t -> !t.startsWith("b-0-")).count(), others);
        row("the failing group's (4th attempt)", (int) bridgeAnswered.keySet().stream().filter(t -> t.startsWith("b-0-")).count(), failing);
        line("");
        line("The failing group's messages in the order the remote took them: %s", bridgeOrder.get(0));
        line("Groups whose messages reached the remote complete and in order: %d of %d. Target: the others' p99 <= 1000 ms and"
                + " every group in order: %s (p99 %d ms).", inOrder, BRIDGE_GROUPS,
                p(others, 99) <= 1000 && inOrder == BRIDGE_GROUPS && bridgeReceived.size() == bridgeAnswered.size() ? "met" : "NOT met",
                p(others, 99));
    }

    private String group(int g) {
        return "bg" + run + "-" + g;
    }

    private void bridgeReceive(HttpServerRequest request, JsonObject json) {
        String text = json.getString("text", "");
        String[] parts = text.split("-");
        if (parts.length != 3) {
            request.response().setStatusCode(200).end("{}");
            return;
        }
        int g = Integer.parseInt(parts[1]);
        int seq = Integer.parseInt(parts[2]);
        if (g == 0 && Boolean.getBoolean("bench.trace")) {
            System.out.println("trace " + (System.currentTimeMillis() - benchStart) + " " + text + " attempt " + request.getHeader("X-Chat21-Attempt"));
        }
        if (g == 0 && bridgeFailures.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet() <= 3) {
            vertx.setTimer(LATENCY_MS, t -> request.response().setStatusCode(500).end("{}"));
            return;
        }
        vertx.setTimer(LATENCY_MS, t -> {
            if (bridgeReceived.putIfAbsent(text, System.currentTimeMillis()) == null) {
                bridgeOrder.computeIfAbsent(g, k -> Collections.synchronizedList(new ArrayList<>())).add(seq);
            }
            request.response().setStatusCode(200).end("{}");
        });
    }

    // ---- the receiver

    private int startReceiver() throws Exception {
        HttpServer server = vertx.createHttpServer();
        server.requestHandler(this::receive);
        return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    private void receive(HttpServerRequest request) {
        request.body().onSuccess(buffer -> {
            String path = request.path();
            if (path.startsWith("/tp")) {
                int now = tpActive.incrementAndGet();
                tpMostActive.accumulateAndGet(now, Math::max);
                vertx.setTimer(LATENCY_MS, t -> {
                    tpActive.decrementAndGet();
                    tpReceived.incrementAndGet();
                    request.response().setStatusCode(200).end("{}");
                });
                return;
            }
            JsonObject json;
            try {
                json = buffer.toJsonObject();
            } catch (RuntimeException e) {
                request.response().setStatusCode(400).end();
                return;
            }
            if (path.equals("/bridge")) {
                bridgeReceive(request, json);
                return;
            }
            JsonObject data = json.getJsonObject("data", new JsonObject());
            String text = data.getString("text", "");
            String id = data.getString("message_id", "");
            String eventId = String.valueOf(request.getHeader("webhook-id"));
            if (Boolean.getBoolean("bench.trace")) {
                count("attempt " + request.getHeader("X-Chat21-Attempt"));
            }
            if (text.contains("-slow-")) {
                count("slow 200");
                vertx.setTimer(5000, t -> ok(request, id));
            } else if (text.contains("-fail-") && failures.computeIfAbsent(eventId, k -> new AtomicInteger()).incrementAndGet() <= 3) {
                count("fail 500");
                vertx.setTimer(100, t -> request.response().setStatusCode(500).end("{}"));
            } else {
                count((text.contains("-fail-") ? "fail" : "normal") + " 200");
                vertx.setTimer(100, t -> ok(request, id));
            }
        });
    }

    private final long benchStart = System.currentTimeMillis();

    private void count(String what) {
        isoAnswers.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        if (Boolean.getBoolean("bench.trace")) {
            isoAnswers.computeIfAbsent(String.format("t%03d %s", (System.currentTimeMillis() - benchStart) / 1000, what),
                    k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private void ok(HttpServerRequest request, String messageId) {
        received.putIfAbsent(messageId, System.currentTimeMillis());
        request.response().setStatusCode(200).end("{}");
    }

    // ---- helpers

    private void awaitService() throws Exception {
        waitFor(() -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servicePort + "/api/" + APP + "/getInfo"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 401;
            } catch (Exception notYet) {
                return false;
            }
        }, 120_000);
    }

    /** Until the warm-up's slow and failing events are through (a few seconds beyond the last retry). */
    private void waitQuiet() throws InterruptedException {
        Thread.sleep(20_000);
    }

    private String metricLines(String name, String path) {
        try {
            // curl: a connection of its own (the API's keep-alive connections from this JVM count against the
            // per-address cap of the service's HTTP servers, the management server's included)
            Process curl = new ProcessBuilder("curl", "-s", "-m", "5", "http://127.0.0.1:" + managementPort + "/observe/metrics")
                    .redirectErrorStream(true).start();
            String body = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return String.join("; ", body.lines().filter(l -> l.startsWith(name + "{") && l.contains(path)).toList());
        } catch (Exception e) {
            return name + " ? (" + e + ")";
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check check, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!check.ok()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("timed out");
            }
            Thread.sleep(20);
        }
    }

    private void line(String format, Object... args) {
        String text = String.format(format, args);
        report.append(text).append('\n');
        System.out.println(text);
    }

    private void close() {
        if (service != null) {
            service.terminate(20);
        }
        if (store != null) {
            store.close();
        }
        vertx.close();
        try {
            ConnectionFactory cf = new ConnectionFactory();
            cf.setUri(RABBIT);
            try (Connection c = cf.newConnection("webhook-bench-cleanup"); Channel ch = c.createChannel()) {
                for (String url : List.of("iso", "tp64", "tp256")) {
                    ch.queueDelete(WebhookEndpoints.queueName(exchange, "http://127.0.0.1:" + receiverPort + "/" + url));
                }
                if (downUrl != null) {
                    ch.queueDelete(WebhookEndpoints.queueName(exchange, downUrl));
                }
                for (String kind : new String[] {"messages", "receipts", "conversations", "archives", "presence"}) {
                    ch.queueDelete(exchange + ".observer." + kind);
                }
                ch.queueDelete(exchange + ".overflow");
                for (int p = 0; p < 16; p++) {
                    ch.queueDelete(exchange + ".bridges.crm" + run + "." + p);
                }
                for (String stage : List.of("1s", "2s", "4s")) {
                    ch.queueDelete(exchange + ".bridges.retry." + stage);
                }
                ch.exchangeDelete(exchange + ".bridges.retry");
                ch.exchangeDelete(exchange + ".bridges.retry.redeliver");
                for (String stage : List.of("1s", "2s", "4s", "8s")) {
                    ch.queueDelete(exchange + ".retry." + stage);
                }
                for (String x : List.of(exchange, exchange + ".overflow", exchange + ".retry", exchange + ".retry.redeliver",
                        exchange + ".group-changes")) {
                    ch.exchangeDelete(x);
                }
            }
        } catch (Exception e) {
            System.err.println("clean-up: " + e);
        }
    }
}
