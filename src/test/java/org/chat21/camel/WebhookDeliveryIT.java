package org.chat21.camel;

import org.bson.Document;
import org.chat21.camel.HookReceiver.Hit;
import org.chat21.camel.common.Json;
import org.chat21.camel.webhooks.WebhookEndpoints;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How webhook events reach their endpoints (issue 23), against local receivers: in parallel up to the
 * endpoint's in-flight bound; a slow or failing event holding nothing else of its endpoint; failed POSTs
 * retried from the broker's retry stages, numbered; a dead endpoint's circuit opening (its events wait in its
 * queue, it is not called) and closing again; the Standard Webhooks signature checked as a receiver would.
 * Endpoints: /par (each POST takes 200 ms), /mixed (text "slow": held until the test lets go; text "fail":
 * its first three attempts fail), /down (503 while down). Only message-sent is subscribed: one event a message.
 */
@RequiresRabbitMQ
class WebhookDeliveryIT {
    static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("a secret of 24 bytes!!!!".getBytes(StandardCharsets.UTF_8));
    static final int IN_FLIGHT = 32;
    static HookReceiver hooks;
    static ServiceHarness svc;
    static final CountDownLatch letSlowGo = new CountDownLatch(1);
    static volatile boolean down = true;
    static final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        hooks = new HookReceiver();
        hooks.handle("/par", (hit, n) -> {
            Thread.sleep(200);
            return 200;
        });
        hooks.handle("/mixed", (hit, n) -> {
            String text = text(hit);
            if (text.startsWith("slow")) {
                letSlowGo.await(60, TimeUnit.SECONDS);
                return 200;
            }
            if (text.startsWith("fail") && failures.computeIfAbsent(hit.header("webhook-id"), k -> new AtomicInteger()).incrementAndGet() <= 3) {
                return 500;
            }
            return 200;
        });
        hooks.handle("/down", (hit, n) -> down ? 503 : 200);
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> extra = new HashMap<>();
        extra.put("chat21.webhooks.enabled", "true");
        extra.put("chat21.webhooks.events", "message-sent");
        extra.put("chat21.webhooks.endpoints", String.join(",", hooks.url("/par") + "#in-flight=" + IN_FLIGHT,
                hooks.url("/mixed"), hooks.url("/down")));
        extra.put("chat21.webhooks.secret", SECRET);
        extra.put("chat21.webhooks.exchange", "it." + run + ".webhooks");
        extra.put("chat21.webhooks.queue-prefix", "it." + run + ".webhooks");
        extra.put("chat21.webhooks.retry-schedule", "300ms,300ms,300ms,300ms");
        extra.put("chat21.webhooks.timeout-ms", "20000");
        extra.put("chat21.webhooks.circuit.minimum-calls", "10");
        extra.put("chat21.webhooks.circuit.open-seconds", "8");
        svc = new ServiceHarness(extra, null);
    }

    @AfterAll
    static void stop() throws Exception {
        letSlowGo.countDown();
        svc.close();
        hooks.close();
    }

    static String text(Hit hit) {
        return hit.json().get("data") instanceof Map<?, ?> data ? String.valueOf(data.get("text")) : "";
    }

    /** Sends the texts from one sender, several at a time; the message ids. */
    static List<String> sendAll(List<String> texts) throws Exception {
        String from = "s" + UUID.randomUUID().toString().substring(0, 6);
        String to = "r" + UUID.randomUUID().toString().substring(0, 6);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (String text : texts) {
                ids.add(pool.submit(() -> {
                    HttpResponse<String> r = svc.sendText(from, to, text);
                    assertEquals(200, r.statusCode(), r.body());
                    return (String) ((Map<?, ?>) Json.readMap(r.body()).get("result")).get("message_id");
                }));
            }
            List<String> out = new ArrayList<>();
            for (Future<String> id : ids) {
                out.add(id.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    static List<Hit> accepted(String path, Set<String> texts) {
        return hooks.at(path, h -> texts.contains(text(h)));
    }

    @Test
    void eventsGoOutInParallelUpToTheEndpointsBound() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            texts.add("par-" + UUID.randomUUID());
        }
        sendAll(texts);
        Set<String> mine = Set.copyOf(texts);
        waitUntil(() -> accepted("/par", mine).size() >= 150, 30_000, "150 events at /par");
        int most = hooks.mostActive("/par");
        System.out.println("[webhooks] /par: at most " + most + " POSTs under way at once (bound " + IN_FLIGHT + ")");
        assertTrue(most > IN_FLIGHT / 2, "in parallel: " + most);
        assertTrue(most <= IN_FLIGHT, "bounded by in-flight: " + most);
        assertEquals(150, accepted("/par", mine).stream().map(h -> h.header("webhook-id")).distinct().count(), "each once");
    }

    @Test
    void aSlowOrFailingEventHoldsNothingElseOfItsEndpoint() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            texts.add((i % 10 == 0 ? "slow-" : i % 10 == 1 ? "fail-" : "normal-") + UUID.randomUUID());
        }
        sendAll(texts);
        Set<String> normal = texts.stream().filter(t -> t.startsWith("normal")).collect(Collectors.toSet());
        Set<String> failing = texts.stream().filter(t -> t.startsWith("fail")).collect(Collectors.toSet());
        // the slow ones are still held by the receiver: everything else arrives meanwhile, the failing ones on
        // their fourth attempt, each attempt numbered
        waitUntil(() -> accepted("/mixed", normal).size() >= normal.size(), 20_000, "the normal events while the slow are held");
        waitUntil(() -> accepted("/mixed", failing).size() >= failing.size() * 4, 20_000, "the failing events' four attempts");
        for (String text : failing) {
            List<String> attempts = accepted("/mixed", Set.of(text)).stream().map(h -> h.header("X-Chat21-Attempt")).toList();
            assertEquals(List.of("1", "2", "3", "4"), attempts, text);
            assertEquals(1, accepted("/mixed", Set.of(text)).stream().map(h -> h.header("webhook-id")).distinct().count(),
                    "one event id over its attempts");
        }
        Set<String> slow = texts.stream().filter(t -> t.startsWith("slow")).collect(Collectors.toSet());
        assertEquals(slow.size(), accepted("/mixed", slow).size(), "the slow ones are under way, once each");
        letSlowGo.countDown();
    }

    @Test
    void aDeadEndpointsCircuitOpensItsEventsWaitAndItClosesWhenTheEndpointIsBack() throws Exception {
        String queue = WebhookEndpoints.queueName(svc.overrides.get("chat21.webhooks.queue-prefix"), hooks.url("/down"));
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add("down-" + UUID.randomUUID());
        }
        sendAll(texts);
        waitUntil(() -> metric("chat21_webhook_circuit_state", "/down") == 1.0, 10_000, "circuit open");
        String health = svc.manage("/observe/health").body();
        assertTrue(health.contains(hooks.url("/down").replace("http://", "").split("/")[0]) && health.contains("/down OPEN"), health);
        assertEquals(200, svc.manage("/observe/health/ready").statusCode(), "an open circuit does not fail readiness");
        // open: not called, the events wait in the endpoint's queue. The calls under way when it opened end first:
        // every event the consumer took before the tenth failure came back had its permission by then, and on a
        // busy machine some of their POSTs reach the receiver well after the circuit shows open (CI once: 17 of 40)
        waitUntil(() -> metric("chat21_webhook_in_flight", "/down") == 0.0, 10_000, "the calls under way when it opened");
        int calls = hooks.at("/down", h -> true).size();
        try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
            waitUntil(() -> admin.channel.messageCount(queue) > 0, 5_000, "events waiting in " + queue);
        }
        Thread.sleep(2000);
        assertEquals(calls, hooks.at("/down", h -> true).size(), "not called while open");
        assertEquals(1.0, metric("chat21_webhook_circuit_state", "/down"), "still open (else the wait above proves nothing)");
        // back: the probes after open-seconds close it, and every event arrives; none was dead-lettered
        long upAt = System.currentTimeMillis();
        down = false;
        Set<String> mine = Set.copyOf(texts);
        waitUntil(() -> hooks.at("/down", h -> mine.contains(text(h)) && h.at() >= upAt).stream().map(h -> text(h))
                .distinct().count() == mine.size(), 30_000, "every event at /down once it is back");
        waitUntil(() -> metric("chat21_webhook_circuit_state", "/down") == 0.0, 10_000, "circuit closed");
        assertEquals(0, svc.db.getCollection("webhook_dead_letters").countDocuments(new Document("endpoint", hooks.url("/down"))));
    }

    /** A value of the Prometheus text for the endpoint whose name ends with {@code path}. */
    static double metric(String name, String path) {
        for (String line : svc.manage("/observe/metrics").body().split("\n")) {
            if (line.startsWith(name + "{") && line.contains(path + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Test
    void standardWebhooksSignaturesVerifyAsTheSpecSays() throws Exception {
        String text = "signed-" + UUID.randomUUID();
        sendAll(List.of(text));
        waitUntil(() -> accepted("/par", Set.of(text)).size() == 1, 10_000, "signed event");
        Hit hit = accepted("/par", Set.of(text)).get(0);
        // a receiver's check, written from the specification (standardwebhooks.com): the key is the base64 after
        // whsec_, the signed content "<webhook-id>.<webhook-timestamp>.<raw body>", the header v1,<base64 HMAC-SHA256>
        String id = hit.header("webhook-id");
        String timestamp = hit.header("webhook-timestamp");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        byte[] signed = (id + "." + timestamp + "." + new String(hit.raw(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed));
        assertTrue(List.of(hit.header("webhook-signature").split(" ")).contains(expected), hit.header("webhook-signature"));
        assertEquals(hit.header("X-Chat21-Event-Id"), id);
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp)) < 300, "within the 5 minutes tolerance");
    }
}
