package org.chat21.camel;

import org.chat21.camel.HookReceiver.Hit;
import org.chat21.camel.HookReceiver.Reply;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outbound bridges at scale (issue 23): one HTTP bridge covering every group of the app ({@code conversation: *})
 * delivers the groups in parallel and each group in its order, also while one group's messages fail three times
 * each (its later messages wait behind, the others go on); a user bridge whose remote answers 429 with a
 * retry_after is not called again before that.
 */
@RequiresRabbitMQ
class BridgeOrderIT {
    static HookReceiver crm;
    static ServiceHarness svc;
    static String run;
    static String app;
    static Path routes;
    static final Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
    static final AtomicInteger limited = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        run = UUID.randomUUID().toString().substring(0, 8);
        app = "app" + run;
        crm = new HookReceiver();
        // the bad group's messages fail their first three attempts; the others are taken in 50 ms
        crm.handle("/crm", (hit, n) -> {
            String text = String.valueOf(hit.json().get("text"));
            if (text.startsWith("bad") && tries.computeIfAbsent(String.valueOf(hit.json().get("message_id")),
                    k -> new AtomicInteger()).incrementAndGet() <= 3) {
                return 500;
            }
            Thread.sleep(50);
            return 200;
        });
        crm.respond("/limited", hit -> limited.incrementAndGet() == 1
                ? new Reply(429, "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 2\",\"parameters\":{\"retry_after\":2}}")
                : new Reply(200, "{\"ok\":true}"));
        String file = """
                - route:
                    id: crm-%1$s
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: crm%1$s, appId: app%1$s, conversation: "*", partitions: 8}
                      steps:
                        - to:
                            uri: kamelet:http-bridge-sink
                            parameters: {url: "%2$s"}
                - route:
                    id: lim-%1$s
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: lim%1$s, appId: app%1$s, kind: user, conversation: lena%1$s}
                      steps:
                        - to:
                            uri: kamelet:http-bridge-sink
                            parameters: {url: "%3$s"}
                """.formatted(run, crm.url("/crm"), crm.url("/limited"));
        routes = Files.createTempDirectory("bridge-order-it");
        Files.writeString(routes.resolve("bridges.yaml"), file);
        Map<String, String> extra = new HashMap<>();
        extra.put("camel.main.routes-include-pattern", "file:routes/*.yaml,file:" + routes.resolve("bridges.yaml"));
        extra.put("chat21.webhooks.exchange", "it." + run + ".webhooks");
        extra.put("chat21.webhooks.queue-prefix", "it." + run + ".webhooks");
        extra.put("chat21.bridges.queue-prefix", "it." + run + ".bridges");
        extra.put("chat21.bridges.retry-schedule", "1s,1s,1s,1s");
        svc = ServiceHarness.ofRun(extra, run);
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
        crm.close();
        try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
            for (int p = 0; p < 16; p++) {
                admin.channel.queueDelete("it." + run + ".bridges.crm" + run + "." + p);
                admin.channel.queueDelete("it." + run + ".bridges.lim" + run + "." + p);
            }
            admin.channel.queueDelete("it." + run + ".bridges.retry.1s");
            admin.channel.exchangeDelete("it." + run + ".bridges.retry");
            admin.channel.exchangeDelete("it." + run + ".bridges.retry.redeliver");
        }
        Files.deleteIfExists(routes.resolve("bridges.yaml"));
        Files.deleteIfExists(routes);
    }

    static void createGroup(String id, String owner, String member) {
        HttpResponse<String> r = svc.post("/api/" + app + "/groups", svc.user(owner),
                Json.write(Map.of("group_id", id, "group_name", "Team " + id, "group_members", Map.of(owner, 1, member, 1))));
        assertEquals(201, r.statusCode(), r.body());
    }

    static void sendToGroup(String from, String group, String text) {
        HttpResponse<String> r = svc.post("/api/" + app + "/messages", svc.user(from), Json.write(Map.of(
                "sender_fullname", from, "recipient_id", group, "recipient_fullname", "Team", "channel_type", "group", "text", text)));
        assertEquals(200, r.statusCode(), r.body());
    }

    /** What /crm accepted of a group, in the order it accepted them (each message once). */
    static List<String> acceptedTexts(String prefix) {
        List<String> out = new ArrayList<>();
        for (Hit hit : crm.at("/crm", h -> String.valueOf(h.json().get("text")).startsWith(prefix))) {
            String text = String.valueOf(hit.json().get("text"));
            if (!out.contains(text) && !(text.startsWith("bad") && wasRefused(hit))) {
                out.add(text);
            }
        }
        return out;
    }

    /** A POST of a bad message that was one of its three refused attempts. */
    static boolean wasRefused(Hit hit) {
        String id = String.valueOf(hit.json().get("message_id"));
        List<Hit> all = crm.at("/crm", h -> id.equals(String.valueOf(h.json().get("message_id"))));
        return all.indexOf(hit) < 3;
    }

    @Test
    void everyGroupInItsOrderInParallelWhileOneGroupFails() throws Exception {
        int groups = 10;
        int perGroup = 5;
        String owner = "own" + run;
        for (int g = 0; g < groups; g++) {
            createGroup("g" + g + "-" + run, owner, "mem" + run);
        }
        // interleaved: message n of every group, then n + 1; group 0 is the bad one
        long sendStart = System.currentTimeMillis();
        for (int n = 0; n < perGroup; n++) {
            for (int g = 0; g < groups; g++) {
                sendToGroup(owner, "g" + g + "-" + run, (g == 0 ? "bad" : "ok" + g) + "-" + n);
            }
        }
        waitUntil(() -> acceptedTexts("bad").size() == perGroup, 60_000, "the bad group's messages, in the end");
        for (int g = 1; g < groups; g++) {
            List<String> expected = new ArrayList<>();
            for (int n = 0; n < perGroup; n++) {
                expected.add("ok" + g + "-" + n);
            }
            assertEquals(expected, acceptedTexts("ok" + g + "-"), "group " + g + " in its order, each once");
        }
        List<String> bad = new ArrayList<>();
        for (int n = 0; n < perGroup; n++) {
            bad.add("bad-" + n);
        }
        assertEquals(bad, acceptedTexts("bad"), "the failing group in its order too");
        // the others did not wait for the failing group: all of theirs were taken before its first was
        long othersDone = crm.at("/crm", h -> String.valueOf(h.json().get("text")).startsWith("ok")).stream()
                .mapToLong(Hit::at).max().orElseThrow();
        long firstBadTaken = crm.at("/crm", h -> "bad-0".equals(h.json().get("text"))).get(3).at();
        System.out.println("[bridges] the other groups done " + (othersDone - sendStart) + " ms after the first send; the"
                + " failing group's first message taken at its 4th attempt " + (firstBadTaken - sendStart) + " ms");
        assertTrue(othersDone < firstBadTaken, "the other groups were not held by the failing one");
        // delivered in parallel: the 8 partitions had several calls under way at once
        assertTrue(crm.mostActive("/crm") > 1, "in parallel: " + crm.mostActive("/crm"));
        // the partition queues are bounded as the webhook endpoints' are: declared again without those arguments,
        // the broker refuses (PRECONDITION_FAILED)
        try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
            com.rabbitmq.client.Channel probe = admin.newChannel();
            java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> probe.queueDeclare("it." + run + ".bridges.crm" + run + ".0", true, false, false, Map.of()));
            assertTrue(String.valueOf(refused.getCause()).contains("PRECONDITION_FAILED"), String.valueOf(refused.getCause()));
            admin.channel.queueDeclare("it." + run + ".bridges.crm" + run + ".0", true, false, false, Map.of(
                    "x-max-length", 100000L, "x-message-ttl", 259200000L, "x-dead-letter-exchange", "it." + run + ".webhooks.overflow",
                    "x-single-active-consumer", true, "x-queue-type", ServiceHarness.QUEUE_TYPE));
        }
    }

    @Test
    void aRemoteThatSaysTooManyRequestsIsNotCalledBeforeItsRetryAfter() throws Exception {
        String lena = "lena" + run;
        HttpResponse<String> r = svc.sendText(lena, "otto" + run, "slow down");
        assertEquals(200, r.statusCode(), r.body());
        waitUntil(() -> limited.get() >= 2, 15_000, "the message again after the 429");
        List<Hit> calls = crm.at("/limited", h -> true);
        long waited = calls.get(1).at() - calls.get(0).at();
        System.out.println("[bridges] after a 429 with retry_after 2 s, called again " + waited + " ms later");
        assertTrue(waited >= 1900, "waited its retry_after: " + waited + " ms");
        assertEquals("slow down", calls.get(1).json().get("text"));
        Thread.sleep(500);
        assertEquals(2, crm.at("/limited", h -> true).size(), "once accepted, not again");
    }
}
