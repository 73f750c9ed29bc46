package org.chat21.camel;

import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sending and delivery through HTTP, the machine's RabbitMQ and a MongoDB-wire store. */
@RequiresRabbitMQ
class DeliveryIT {
    static ServiceHarness svc;

    @BeforeAll
    static void start() throws Exception {
        svc = new ServiceHarness();
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> result(HttpResponse<String> response) {
        return (Map<String, Object>) Json.readMap(response.body()).get("result");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> resultList(HttpResponse<String> response) {
        return (List<Map<String, Object>>) Json.readMap(response.body()).get("result");
    }

    /** Every copy written and published: the outbox entry is removed last. */
    boolean delivered(String messageId) {
        return copies(messageId) > 0 && svc.db.getCollection("outbox").countDocuments(Filters.eq("_id", messageId)) == 0;
    }

    long copies(String messageId) {
        return svc.db.getCollection("messages").countDocuments(Filters.eq("message_id", messageId));
    }

    @Test
    void directMessageIsStoredPublishedAndListed() throws Exception {
        String app = svc.appId;
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users.alice.#", "apps." + app + ".users.bob.#")) {
            HttpResponse<String> response = svc.sendText("alice", "bob", "hi bob");
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            Map<String, Object> body = Json.readMap(response.body());
            assertEquals(true, body.get("success"));
            Map<String, Object> accepted = result(response);
            String id = (String) accepted.get("message_id");
            assertTrue(id.matches("[0-9a-f-]{36}"), id);
            assertTrue(((Number) accepted.get("timestamp")).longValue() > 1_600_000_000_000L);
            assertEquals("alice", accepted.get("sender"));
            assertEquals("direct", accepted.get("channel_type"));

            List<ServiceHarness.Received> got = sub.take(2, 5000);
            assertEquals(2, got.size(), "two clientadded publishes");
            Map<String, ServiceHarness.Received> byKey = got.stream()
                    .collect(Collectors.toMap(ServiceHarness.Received::routingKey, r -> r));
            var senderCopy = byKey.get("apps." + app + ".users.alice.messages.bob.clientadded");
            var recipientCopy = byKey.get("apps." + app + ".users.bob.messages.alice.clientadded");
            assertNotNull(senderCopy, byKey.keySet().toString());
            assertNotNull(recipientCopy, byKey.keySet().toString());
            assertEquals(100, senderCopy.body().get("status"));
            assertEquals(150, recipientCopy.body().get("status"));
            assertEquals("hi bob", recipientCopy.body().get("text"));
            assertEquals(id, recipientCopy.body().get("message_id"));
            assertEquals("bob", recipientCopy.body().get("timelineOf"));
            assertEquals("alice", recipientCopy.body().get("conversWith"));

            waitUntil(() -> svc.db.getCollection("outbox").countDocuments(Filters.eq("_id", id)) == 0, 5000,
                    "outbox entry removed after delivery");
            Document stored = svc.db.getCollection("messages")
                    .find(Filters.and(Filters.eq("timelineOf", "bob"), Filters.eq("message_id", id))).first();
            assertNotNull(stored);
            for (String field : List.of("message_id", "timelineOf", "conversWith", "app_id", "sender", "sender_fullname",
                    "recipient", "recipient_fullname", "text", "type", "channel_type", "status", "timestamp")) {
                assertTrue(stored.containsKey(field), field);
            }
            assertEquals(2, copies(id));

            Document conversation = svc.db.getCollection("conversations")
                    .find(Filters.and(Filters.eq("timelineOf", "bob"), Filters.eq("conversWith", "alice"))).first();
            assertNotNull(conversation);
            assertEquals("alice", conversation.get("key"));
            assertEquals(true, conversation.get("is_new"));
            assertEquals(false, conversation.get("archived"));
            assertEquals("hi bob", conversation.get("last_message_text"));

            // the conversation shows in the recipient's list, and its messages can be read
            List<Map<String, Object>> list = resultList(svc.get("/api/" + app + "/bob/conversations", svc.user("bob")));
            assertTrue(list.stream().anyMatch(c -> "alice".equals(c.get("conversWith")) && id.equals(c.get("message_id"))));
            List<Map<String, Object>> detail = resultList(svc.get("/api/" + app + "/bob/conversations/alice", svc.user("bob")));
            assertEquals(1, detail.size());
            List<Map<String, Object>> messages = resultList(
                    svc.get("/api/" + app + "/bob/conversations/alice/messages", svc.user("bob")));
            assertTrue(messages.stream().anyMatch(m -> id.equals(m.get("message_id"))));
        }
    }

    @Test
    void laterMessageUpdatesConversationAndListsAreNewestFirst() throws Exception {
        String app = svc.appId;
        HttpResponse<String> first = svc.sendText("carol", "dave", "first");
        assertEquals(200, first.statusCode());
        Thread.sleep(5); // distinct timestamps
        HttpResponse<String> second = svc.sendText("dave", "carol", "second");
        assertEquals(200, second.statusCode());
        String firstId = (String) result(first).get("message_id");
        String secondId = (String) result(second).get("message_id");
        waitUntil(() -> delivered(firstId) && delivered(secondId), 5000, "both delivered");
        List<Map<String, Object>> list = resultList(svc.get("/api/" + app + "/carol/conversations", svc.user("carol")));
        Map<String, Object> conv = list.stream().filter(c -> "dave".equals(c.get("conversWith"))).findFirst().orElseThrow();
        assertEquals("second", conv.get("last_message_text"));
        List<Map<String, Object>> messages = resultList(
                svc.get("/api/" + app + "/carol/conversations/dave/messages", svc.user("carol")));
        assertEquals(2, messages.size());
        assertEquals("second", messages.get(0).get("text"), "newest first");
        assertEquals(1, svc.db.getCollection("conversations")
                .countDocuments(Filters.and(Filters.eq("timelineOf", "carol"), Filters.eq("conversWith", "dave"))));
    }

    @Test
    void groupMessageGoesToMembersAndGroupTimeline() throws Exception {
        String app = svc.appId;
        String group = "group-" + svc.run + "-a";
        svc.db.getCollection("groups").insertOne(new Document("uid", group).append("name", "Team").append("appId", app)
                .append("owner", "gina").append("members", new Document("gina", 1).append("hank", 1).append("ivy", 1))
                .append("createdOn", System.currentTimeMillis()));
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users.gina.#", "apps." + app + ".users.hank.#",
                "apps." + app + ".users.ivy.#", "apps." + app + ".users." + group + ".#")) {
            HttpResponse<String> response = svc.post("/api/" + app + "/messages", svc.user("gina"), Json.write(Map.of(
                    "sender_fullname", "Gina", "recipient_id", group, "recipient_fullname", "Team", "text", "hello team",
                    "channel_type", "group", "attributes", Map.of("hiddenFor", List.of("ivy")))));
            assertEquals(200, response.statusCode(), response.body());
            String id = (String) result(response).get("message_id");
            List<ServiceHarness.Received> got = sub.take(3, 5000);
            Set<String> keys = got.stream().map(ServiceHarness.Received::routingKey).collect(Collectors.toSet());
            assertEquals(Set.of(
                    "apps." + app + ".users.gina.messages." + group + ".clientadded",
                    "apps." + app + ".users.hank.messages." + group + ".clientadded",
                    "apps." + app + ".users." + group + ".messages." + group + ".clientadded"), keys);
            for (var r : got) {
                int expected = r.routingKey().contains(".users." + group + ".") ? 100 : 150;
                assertEquals(expected, r.body().get("status"), r.routingKey());
                assertEquals("group", r.body().get("channel_type"));
            }
            assertTrue(sub.take(1, 300).isEmpty(), "ivy is hidden: no fourth copy");
            waitUntil(() -> copies(id) == 3 && delivered(id), 5000, "three copies stored");
            assertNull(svc.db.getCollection("messages")
                    .find(Filters.and(Filters.eq("timelineOf", "ivy"), Filters.eq("message_id", id))).first());
            List<Map<String, Object>> hankList = resultList(svc.get("/api/" + app + "/hank/conversations", svc.user("hank")));
            assertTrue(hankList.stream().anyMatch(c -> group.equals(c.get("conversWith"))));
        }
    }

    @Test
    void groupRecipientIsDetectedByIdAndMissingGroupReachesSenderAndHistory() throws Exception {
        String app = svc.appId;
        String group = "support-group-" + svc.run;
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users.kim.#", "apps." + app + ".users." + group + ".#")) {
            HttpResponse<String> response = svc.sendText("kim", group, "anyone?");
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("group", result(response).get("channel_type"));
            List<ServiceHarness.Received> got = sub.take(2, 5000);
            Set<String> keys = got.stream().map(ServiceHarness.Received::routingKey).collect(Collectors.toSet());
            assertEquals(Set.of("apps." + app + ".users.kim.messages." + group + ".clientadded",
                    "apps." + app + ".users." + group + ".messages." + group + ".clientadded"), keys);
        }
    }

    @Test
    void largeGroupIsDeliveredInBatches() throws Exception {
        String app = svc.appId;
        String group = "group-" + svc.run + "-big";
        Document members = new Document();
        for (int i = 0; i < 500; i++) {
            members.append("m" + i, 1);
        }
        svc.db.getCollection("groups").insertOne(new Document("uid", group).append("name", "Big").append("appId", app)
                .append("owner", "m0").append("members", members));
        HttpResponse<String> response = svc.sendText("m0", group, "to all");
        assertEquals(200, response.statusCode(), response.body());
        String id = (String) result(response).get("message_id");
        waitUntil(() -> copies(id) == 501, 15000, "500 member copies + group timeline");
        waitUntil(() -> svc.db.getCollection("conversations").countDocuments(Filters.eq("conversWith", group)) == 501,
                15000, "501 conversations");
    }

    @Test
    void aMessageDeliveredAgainChangesNothing() throws Exception {
        String app = svc.appId;
        HttpResponse<String> response = svc.sendText("lena", "mike", "once");
        assertEquals(200, response.statusCode());
        Map<String, Object> accepted = result(response);
        String id = (String) accepted.get("message_id");
        waitUntil(() -> copies(id) == 2
                && svc.db.getCollection("outbox").countDocuments(Filters.eq("_id", id)) == 0, 5000, "delivered");
        List<Document> before = snapshot(id);

        // as left by a process killed after publishing, before its outbox entry went: the relay delivers it
        // again, writing the same documents (its clientadded publishes repeat: at-least-once, keyed by id)
        long old = System.currentTimeMillis() - 60_000;
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users.mike.#")) {
            svc.db.getCollection("outbox").insertOne(new Document("_id", id).append("state", "pending")
                    .append("channel_type", "direct").append("message", new Document(accepted))
                    .append("created_at", old).append("updated_at", old));
            assertEquals(1, sub.take(1, 10000).size(), "the unfinished delivery is done again");
        }
        waitUntil(() -> svc.db.getCollection("outbox").countDocuments(Filters.eq("_id", id)) == 0, 5000, "finished");
        assertEquals(2, copies(id));
        assertEquals(before, snapshot(id));
    }

    @Test
    void aMessageThatCannotBeDeliveredIsParkedNotLooped() throws Exception {
        String id = java.util.UUID.randomUUID().toString();
        long old = System.currentTimeMillis() - 60_000;
        // a stored message no delivery can plan (as a bug or a hand edit might leave one)
        svc.db.getCollection("outbox").insertOne(new Document("_id", id).append("state", "pending")
                .append("channel_type", "direct")
                .append("message", new Document("message_id", id).append("app_id", svc.appId).append("sender", "s")
                        .append("recipient", 42).append("channel_type", "direct"))
                .append("created_at", old).append("updated_at", old));
        waitUntil(() -> "dead".equals(svc.db.getCollection("outbox").find(Filters.eq("_id", id)).first().get("state")),
                20_000, "parked after chat21.delivery.attempts tries");
        Document parked = svc.db.getCollection("outbox").find(Filters.eq("_id", id)).first();
        assertEquals(5, parked.get("attempts"));
        assertEquals(0, copies(id));
        // delivery still works
        HttpResponse<String> ok = svc.sendText("vera", "walt", "after the bad one");
        String okId = (String) result(ok).get("message_id");
        waitUntil(() -> delivered(okId), 5000, "delivered");
    }

    private List<Document> snapshot(String id) {
        List<Document> docs = new ArrayList<>();
        svc.db.getCollection("messages").find(Filters.eq("message_id", id)).sort(new Document("timelineOf", 1)).into(docs);
        svc.db.getCollection("conversations").find(Filters.eq("message_id", id)).sort(new Document("timelineOf", 1)).into(docs);
        return docs;
    }

    @Test
    void retryWithSameIdempotencyKeyDoesNotDuplicate() throws Exception {
        String app = svc.appId;
        String body = Json.write(Map.of("sender_fullname", "N", "recipient_id", "olga", "recipient_fullname", "O", "text", "retry me"));
        HttpResponse<String> first = svc.post("/api/" + app + "/messages", svc.user("nina"), body, "Idempotency-Key", "k-" + svc.run);
        assertEquals(200, first.statusCode(), first.body());
        String id = (String) result(first).get("message_id");
        HttpResponse<String> again = svc.post("/api/" + app + "/messages", svc.user("nina"), body, "Idempotency-Key", "k-" + svc.run);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(id, result(again).get("message_id"));
        assertEquals(result(first).get("timestamp"), result(again).get("timestamp"));
        waitUntil(() -> copies(id) == 2, 5000, "delivered");
        // a retry after delivery finished is recognised too (as is one while the first waits for delivery)
        HttpResponse<String> late = svc.post("/api/" + app + "/messages", svc.user("nina"), body, "Idempotency-Key", "k-" + svc.run);
        assertEquals(id, result(late).get("message_id"));
        Thread.sleep(300);
        assertEquals(2, copies(id));
        // another sender's identical key is another message
        HttpResponse<String> other = svc.post("/api/" + app + "/messages", svc.user("olga"),
                Json.write(Map.of("sender_fullname", "O", "recipient_id", "nina", "recipient_fullname", "N")),
                "Idempotency-Key", "k-" + svc.run);
        assertFalse(id.equals(result(other).get("message_id")));
    }

    @Test
    void relayDeliversAcceptedMessagesThatWereNotDelivered() throws Exception {
        String app = svc.appId;
        // as left by a process killed between storing the message and delivering it
        String id = java.util.UUID.randomUUID().toString();
        Map<String, Object> message = new HashMap<>(Map.of("message_id", id, "app_id", app, "sender", "paul",
                "sender_fullname", "Paul", "recipient", "quinn", "recipient_fullname", "Quinn", "text", "survived a crash",
                "type", "text", "channel_type", "direct", "status", 0));
        message.put("timestamp", System.currentTimeMillis());
        long old = System.currentTimeMillis() - 60_000;
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users.quinn.#")) {
            svc.db.getCollection("outbox").insertOne(new Document("_id", id).append("state", "pending")
                    .append("channel_type", "direct").append("message", new Document(message))
                    .append("created_at", old).append("updated_at", old));
            List<ServiceHarness.Received> got = sub.take(1, 10000);
            assertEquals(1, got.size(), "relayed and delivered");
            assertEquals("survived a crash", got.get(0).body().get("text"));
        }
        waitUntil(() -> copies(id) == 2 && svc.db.getCollection("outbox").countDocuments(Filters.eq("_id", id)) == 0,
                5000, "stored and outbox cleared");
    }

    @Test
    void requestHeadersCannotSteerTheBrokerOrTheStore() throws Exception {
        String app = svc.appId;
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users.rita.#", "apps." + app + ".users.sam.#",
                "apps." + app + ".users.victim.#")) {
            HttpResponse<String> response = svc.post("/api/" + app + "/messages"
                            + "?CamelSpringRabbitmqExchangeOverrideName=amq.topic&CamelSpringRabbitmqRoutingOverrideKey=apps." + app + ".users.victim.x",
                    svc.user("rita"), Json.write(Map.of("sender_fullname", "R", "recipient_id", "sam", "recipient_fullname", "S")),
                    "CamelSpringRabbitmqRoutingOverrideKey", "apps." + app + ".users.victim.y",
                    "CamelMongoDbCriteria", "{}");
            assertEquals(200, response.statusCode(), response.body());
            List<ServiceHarness.Received> got = sub.take(2, 5000);
            assertEquals(2, got.size());
            assertTrue(got.stream().noneMatch(r -> r.routingKey().contains("victim")));
            assertTrue(sub.take(1, 300).isEmpty());
        }
        // the read path ignores injected criteria headers too
        HttpResponse<String> list = svc.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(svc.base() + "/api/" + app + "/sam/conversations?CamelMongoDbLimit=1000"))
                .header("Authorization", "JWT " + svc.user("sam")).header("CamelMongoDbCriteria", "{}").GET().build());
        assertEquals(200, list.statusCode());
        assertTrue(resultList(list).stream().allMatch(c -> "sam".equals(c.get("timelineOf"))));
        assertFalse(list.headers().firstValue("Authorization").isPresent(), "request headers are not echoed");
    }
}
