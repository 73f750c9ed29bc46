package org.chat21.camel;

import org.bson.Document;
import org.chat21.camel.HookReceiver.Hit;
import org.chat21.camel.common.Json;
import org.chat21.camel.webhooks.WebhookSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Webhooks (spec 9) against local HTTP receivers: every event type with its shape, an endpoint that fails
 * and then succeeds, one that never answers, a dead one (dead letters, replay), and the push hook.
 * Endpoints: /ok (always 200), /flaky (its first three POSTs fail), /slow (never answers), /dead (503 until
 * told otherwise); the push notify URL is /push.
 */
@RequiresRabbitMQ
class WebhooksIT {
    static final String SECRET = "s3cret";
    static final String PUSH_TOKEN = "push-" + UUID.randomUUID();
    static HookReceiver hooks;
    static ServiceHarness svc;
    static String app;
    static volatile boolean deadIsDead = true;

    @BeforeAll
    static void start() throws Exception {
        hooks = new HookReceiver();
        hooks.behave("/flaky", n -> n <= 3 ? 500 : 200);
        hooks.behave("/slow", n -> -1);
        hooks.behave("/dead", n -> deadIsDead ? 503 : 200);
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> extra = new HashMap<>();
        extra.put("chat21.webhooks.enabled", "true");
        extra.put("chat21.webhooks.endpoints", String.join(",", hooks.url("/ok"), hooks.url("/flaky"),
                hooks.url("/slow"), hooks.url("/dead")));
        extra.put("chat21.webhooks.secret", SECRET);
        extra.put("chat21.webhooks.exchange", "it." + run + ".webhooks");
        extra.put("chat21.webhooks.queue-prefix", "it." + run + ".webhooks");
        extra.put("chat21.webhooks.retry-schedule", "100ms,200ms,400ms");
        extra.put("chat21.webhooks.timeout-ms", "1000");
        // the dead and slow endpoints open their circuits: probes come after 2 s, so the replay below gets through
        extra.put("chat21.webhooks.circuit.open-seconds", "2");
        extra.put("chat21.push.webhook-token", PUSH_TOKEN);
        extra.put("chat21.push.notify-url", hooks.url("/push"));
        extra.put("chat21.push.admin-token", "JWT admin-token-for-push");
        svc = new ServiceHarness(extra, null);
        app = svc.appId;
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
        hooks.close();
    }

    static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 6);
    }

    /** The events at /ok that satisfy the filter, once {@code n} of them have arrived. */
    static List<Hit> await(String path, int n, Predicate<Hit> filter) throws Exception {
        waitUntil(() -> hooks.at(path, filter).size() >= n, 10_000, n + " events at " + path);
        return hooks.at(path, filter);
    }

    static Predicate<Hit> type(String type, String field, String value) {
        return h -> type.equals(h.json().get("event_type")) && value.equals(h.json().get(field));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> data(Hit hit) {
        return (Map<String, Object>) hit.json().get("data");
    }

    @SuppressWarnings("unchecked")
    static String topic(Hit hit) {
        return (String) ((Map<String, Object>) hit.json().get("extras")).get("topic");
    }

    static String send(String from, String to, String text) {
        HttpResponse<String> r = svc.sendText(from, to, text);
        assertEquals(200, r.statusCode(), r.body());
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) Json.readMap(r.body()).get("result");
        return (String) result.get("message_id");
    }

    @Test
    void messageEventsHaveTheOriginalShapeAndAreSigned() throws Exception {
        String alice = unique("alice");
        String bob = unique("bob");
        String id = send(alice, bob, "hello webhooks");

        Hit sent = await("/ok", 1, type("message-sent", "message_id", id)).get(0);
        assertEquals(app, sent.json().get("app_id"));
        assertEquals(alice, sent.json().get("recipient_id"));
        assertTrue(((Number) sent.json().get("createdAt")).longValue() > 1_600_000_000_000L);
        assertEquals(100, ((Number) data(sent).get("status")).intValue());
        assertEquals("hello webhooks", data(sent).get("text"));
        assertEquals(alice, data(sent).get("timelineOf"));
        assertEquals("apps." + app + ".users." + alice + ".messages." + bob + ".clientadded", topic(sent));

        Hit delivered = await("/ok", 1, type("message-delivered", "message_id", id)).get(0);
        assertEquals(bob, delivered.json().get("recipient_id"));
        assertEquals(150, ((Number) data(delivered).get("status")).intValue());
        assertEquals("apps." + app + ".users." + bob + ".messages." + alice + ".clientadded", topic(delivered));

        // headers: id, type, attempt, and the signature over the exact body
        assertNotNull(sent.header("X-Chat21-Event-Id"));
        assertFalse(sent.header("X-Chat21-Event-Id").equals(delivered.header("X-Chat21-Event-Id")));
        assertEquals("message-sent", sent.header("X-Chat21-Event-Type"));
        assertEquals("1", sent.header("X-Chat21-Attempt"));
        assertTrue(sent.header("Content-Type").startsWith("application/json"));
        assertEquals(new WebhookSignature(SECRET).sign(sent.raw()), sent.header("X-Chat21-Signature"));
        assertTrue(sent.header("X-Chat21-Signature").matches("sha256=[0-9a-f]{64}"));
        // nothing of the AMQP message leaks out as a header
        assertTrue(sent.headers().keySet().stream().noneMatch(k -> k.toLowerCase().startsWith("camel")), sent.headers().toString());
    }

    @Test
    void receiptsPresenceConversationsAndGroupsAreTold() throws Exception {
        String alice = unique("alice");
        String bob = unique("bob");
        String id = send(alice, bob, "read me");
        await("/ok", 1, type("message-delivered", "message_id", id));
        try (ServiceHarness.Subscriber client = new ServiceHarness.Subscriber()) {
            // bob's client reads it (spec 8)
            client.channel.basicPublish("amq.topic", "apps." + app + ".users." + bob + ".messages." + alice + "." + id + ".update",
                    null, "{\"status\":200}".getBytes(StandardCharsets.UTF_8));
            Hit received = await("/ok", 1, type("message-received", "message_id", id)).get(0);
            assertEquals(bob, received.json().get("recipient_id"));
            assertEquals(200, ((Number) data(received).get("status")).intValue());
            assertEquals("apps." + app + ".users." + bob + ".messages." + alice + "." + id + ".update", topic(received));
            Hit receipt = await("/ok", 1, type("message-return-receipt", "message_id", id)).get(0);
            assertEquals(alice, receipt.json().get("recipient_id"));
            assertEquals(250, ((Number) data(receipt).get("status")).intValue());
            assertEquals(alice, data(receipt).get("timelineOf"));

            // a client connects: presence-change as the original observer tells it
            client.channel.basicPublish("amq.topic", "apps." + app + ".users." + bob + ".presence.client1", null,
                    "{\"connected\":true}".getBytes(StandardCharsets.UTF_8));
            Hit presence = await("/ok", 1, type("presence-change", "user_id", bob)).get(0);
            assertEquals("online", presence.json().get("presence"));
            assertEquals(app, presence.json().get("app_id"));
            assertEquals(true, presence.json().get("data"));
        }

        // bob archives the conversation; a new message from alice brings it back
        HttpResponse<String> archived = svc.request("DELETE", "/api/" + app + "/conversations/" + alice, svc.user(bob), null);
        assertEquals(201, archived.statusCode(), archived.body());
        Hit archive = await("/ok", 1, type("conversation-archived", "user_id", bob)).get(0);
        assertEquals(alice, archive.json().get("recipient_id"));
        assertEquals(alice, archive.json().get("convers_with"));
        assertEquals(true, data(archive).get("archived"));
        String again = send(alice, bob, "are you there?");
        Hit unarchive = await("/ok", 1, type("conversation-unarchived", "user_id", bob)).get(0);
        assertEquals(alice, unarchive.json().get("recipient_id"));
        assertEquals(again, data(unarchive).get("message_id"));
        assertEquals(false, data(unarchive).get("archived"));
        // alice's side was never archived: nothing told for her
        Thread.sleep(300);
        assertTrue(hooks.at("/ok", type("conversation-unarchived", "user_id", alice)).isEmpty());

        // a group: created, then a member joins (updated); its messages are told on the group's timeline
        String group = unique("group-");
        HttpResponse<String> created = svc.post("/api/" + app + "/groups", svc.user(alice), Json.write(Map.of(
                "group_id", group, "group_name", "Team", "group_members", Map.of(bob, 1))));
        assertEquals(201, created.statusCode(), created.body());
        Hit groupCreated = await("/ok", 1, type("group-created", "recipient_id", group)).get(0);
        assertEquals("Team", data(groupCreated).get("name"));
        String carol = unique("carol");
        HttpResponse<String> joined = svc.post("/api/" + app + "/groups/" + group + "/members", svc.user(alice),
                Json.write(Map.of("member_id", carol)));
        assertEquals(200, joined.statusCode(), joined.body());
        Hit groupUpdated = await("/ok", 1, type("group-updated", "recipient_id", group)).get(0);
        assertTrue(((Map<?, ?>) data(groupUpdated).get("members")).containsKey(carol));
        await("/ok", 1, type("message-sent", "recipient_id", group));
    }

    @Test
    void anEndpointThatFailsIsRetriedUntilItAcceptsAndGetsTheEventOnce() throws Exception {
        String id = send(unique("a"), unique("b"), "retry me");
        Predicate<Hit> mine = type("message-sent", "message_id", id);
        await("/ok", 1, mine);
        // /flaky failed its first three POSTs (whatever events they were); this event is accepted once
        waitUntil(() -> hooks.at("/flaky", mine).stream().anyMatch(h -> h == lastAt("/flaky", mine)), 10_000, "flaky got it");
        waitUntil(() -> acceptedAt("/flaky", mine) == 1, 10_000, "accepted once at /flaky");
        Thread.sleep(1000);
        assertEquals(1, acceptedAt("/flaky", mine), "no repeat after it was accepted");
        // the retries are numbered: the first three POSTs of the endpoint were attempts of events that then succeeded
        List<String> attempts = new ArrayList<>();
        for (Hit h : hooks.at("/flaky", h -> true)) {
            attempts.add(h.header("X-Chat21-Attempt"));
        }
        assertTrue(attempts.stream().anyMatch(a -> Integer.parseInt(a) > 1), "retried with X-Chat21-Attempt: " + attempts);
        Set<String> ids = new HashSet<>();
        for (Hit h : hooks.at("/flaky", h -> true)) {
            ids.add(h.header("X-Chat21-Event-Id"));
        }
        assertTrue(ids.size() < hooks.at("/flaky", h -> true).size(), "some event was POSTed more than once: retries");
    }

    static Hit lastAt(String path, Predicate<Hit> filter) {
        List<Hit> at = hooks.at(path, filter);
        return at.isEmpty() ? null : at.get(at.size() - 1);
    }

    /** POSTs of the event to a path that the path accepted (/flaky: its fourth request on). */
    static long acceptedAt(String path, Predicate<Hit> filter) {
        List<Hit> all = hooks.at(path, h -> true);
        long accepted = 0;
        for (int i = 0; i < all.size(); i++) {
            if (i >= 3 && filter.test(all.get(i))) {
                accepted++;
            }
        }
        return accepted;
    }

    @Test
    void anEndpointThatNeverAnswersSlowsNothing() throws Exception {
        // /slow holds every POST (it never answers): measured, sends answer and the other endpoints get
        // their events as fast as ever
        String a = unique("a");
        String b = unique("b");
        List<Long> answers = new ArrayList<>();
        List<Long> told = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            String id = send(a, b, "while slow " + i);
            answers.add((System.nanoTime() - t0) / 1_000_000);
            long start = System.currentTimeMillis();
            Hit hit = await("/ok", 1, type("message-delivered", "message_id", id)).get(0);
            told.add(hit.at() - start);
        }
        answers.sort(Long::compare);
        told.sort(Long::compare);
        System.out.println("[webhooks] with an endpoint that never answers: send answered in p50 " + answers.get(10)
                + " ms, max " + answers.get(19) + " ms; event at another endpoint p50 " + told.get(10) + " ms, max "
                + told.get(19) + " ms");
        assertTrue(answers.get(19) < 2000, "sends answered promptly: " + answers);
        assertTrue(told.get(10) < 1000, "other endpoints unaffected: " + told);
        assertFalse(hooks.at("/slow", h -> true).isEmpty(), "the slow endpoint was tried");
    }

    @Test
    void aDeadEndpointsEventsGoToTheDeadLetterStoreAndAreReplayed() throws Exception {
        String id = send(unique("a"), unique("b"), "to the dead");
        Predicate<Hit> mine = type("message-sent", "message_id", id);
        String admin = TestTokens.admin("ops", app);
        // 1 + 3 retries, then stored
        waitUntil(() -> svc.db.getCollection("webhook_dead_letters").countDocuments(new Document("app_id", app)
                .append("endpoint", hooks.url("/dead"))) > 0 && deadLetters(admin).stream().anyMatch(l -> isSentOf(id, l)),
                15_000, "dead letter stored");
        List<String> attempts = hooks.at("/dead", mine).stream().map(h -> h.header("X-Chat21-Attempt")).toList();
        assertEquals(List.of("1", "2", "3", "4"), attempts, "first POST and three retries");
        Map<String, Object> letter = deadLetters(admin).stream()
                .filter(l -> isSentOf(id, l)).findFirst().orElseThrow();
        assertEquals("message-sent", letter.get("event_type"));
        assertEquals(hooks.url("/dead"), letter.get("endpoint"));
        assertNotNull(letter.get("error"));
        String eventId = (String) letter.get("event_id");
        assertEquals(hooks.at("/dead", mine).get(0).header("X-Chat21-Event-Id"), eventId);

        // not for a user, not for another app's admin
        assertEquals(403, svc.get("/api/" + app + "/webhooks/dead-letters", svc.user("ops")).statusCode());
        assertEquals(403, svc.get("/api/" + app + "/webhooks/dead-letters", TestTokens.admin("ops", "otherapp")).statusCode());

        // the endpoint comes back; the admin replays: the event arrives with its id, and the store is empty
        deadIsDead = false;
        HttpResponse<String> replayed = svc.post("/api/" + app + "/webhooks/dead-letters/replay", admin, "");
        assertEquals(200, replayed.statusCode(), replayed.body());
        assertTrue(((Number) Json.readMap(replayed.body()).get("result")).intValue() >= 1, replayed.body());
        waitUntil(() -> hooks.at("/dead", mine).size() == 5, 10_000, "replayed");
        assertEquals("1", lastAt("/dead", mine).header("X-Chat21-Attempt"));
        Hit last = lastAt("/dead", mine);
        assertEquals(eventId, last.header("X-Chat21-Event-Id"));
        waitUntil(() -> deadLetters(admin).stream().noneMatch(l -> eventId.equals(l.get("event_id"))), 5000, "store emptied");
    }

    /** The message-sent event of message {@code id} (its message-delivered event may be dead-lettered first). */
    static boolean isSentOf(String id, Map<String, Object> letter) {
        return id.equals(((Map<?, ?>) letter.get("event")).get("message_id")) && "message-sent".equals(letter.get("event_type"));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> deadLetters(String admin) {
        HttpResponse<String> r = svc.get("/api/" + app + "/webhooks/dead-letters?limit=1000", admin);
        assertEquals(200, r.statusCode(), r.body());
        return (List<Map<String, Object>>) Json.readMap(r.body()).get("result");
    }

    @Test
    void thePushHookChecksItsTokenAndForwardsDeliveredEvents() throws Exception {
        String path = "/api/" + app + "/push/webhook/endpoint/";
        String marker = unique("m");
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event_type", "message-delivered");
        event.put("app_id", app);
        event.put("recipient_id", "bob");
        event.put("data", Map.of("text", marker, "recipient", "bob"));
        String body = Json.write(event);

        HttpResponse<String> wrong = svc.post(path + "not-the-token", null, body);
        assertEquals(401, wrong.statusCode(), wrong.body());
        assertEquals(false, Json.readMap(wrong.body()).get("success"));
        HttpResponse<String> almost = svc.post(path + PUSH_TOKEN + "x", null, body);
        assertEquals(401, almost.statusCode());

        HttpResponse<String> other = svc.post(path + PUSH_TOKEN, null, Json.write(Map.of("event_type", "message-sent",
                "data", Map.of("text", marker))));
        assertEquals(200, other.statusCode(), other.body());
        HttpResponse<String> bad = svc.post(path + PUSH_TOKEN, null, "{not json");
        assertEquals(400, bad.statusCode(), bad.body());

        HttpResponse<String> ok = svc.post(path + PUSH_TOKEN, null, body);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(true, Json.readMap(ok.body()).get("success"));
        Predicate<Hit> mine = h -> marker.equals(((Map<?, ?>) h.json().getOrDefault("data", Map.of())).get("text"));
        waitUntil(() -> hooks.at("/push", mine).size() == 1, 10_000, "forwarded to the notify URL");
        Hit forwarded = hooks.at("/push", mine).get(0);
        assertEquals("JWT admin-token-for-push", forwarded.header("Authorization"));
        assertEquals("message-delivered", forwarded.json().get("event_type"));
        Thread.sleep(500);
        assertEquals(1, hooks.at("/push", mine).size(), "only the delivered event, once: " + Arrays.toString(
                hooks.at("/push", h -> true).stream().map(h -> h.json().get("event_type")).toArray()));
    }
}
