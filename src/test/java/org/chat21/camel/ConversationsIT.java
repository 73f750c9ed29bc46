package org.chat21.camel;

import org.bson.Document;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.chat21.camel.GroupsIT.unique;
import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Archive and delete (spec 7), push instances, notify, and history paging, through HTTP and RabbitMQ. */
@RequiresRabbitMQ
class ConversationsIT {
    static ServiceHarness svc;
    static String app;

    @BeforeAll
    static void start() throws Exception {
        svc = new ServiceHarness();
        app = svc.appId;
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
    }

    static void converse(String from, String to, String text) throws Exception {
        assertEquals(200, svc.sendText(from, to, text).statusCode());
        waitUntil(() -> svc.db.getCollection("messages").countDocuments(new Document("text", text)) == 2, 5000, text);
        waitUntil(() -> conversation(to, from) != null && text.equals(conversation(to, from).get("text")), 5000, text);
    }

    static Document conversation(String user, String with) {
        return svc.db.getCollection("conversations").find(new Document("timelineOf", user).append("conversWith", with)
                .append("app_id", app)).first();
    }

    static List<Map<String, Object>> list(String path, String token) {
        HttpResponse<String> r = svc.get(path, token);
        assertEquals(200, r.statusCode(), r.body());
        return DeliveryIT.resultList(r);
    }

    @Test
    void archiveFlagsPublishesAndALaterMessageReactivates() throws Exception {
        String me = unique("u");
        String other = unique("v");
        converse(other, me, "hello");
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users." + me + ".#")) {
            HttpResponse<String> r = svc.request("DELETE", "/api/" + app + "/conversations/" + other, svc.user(me), null);
            assertEquals(201, r.statusCode(), r.body());
            assertEquals(Map.of("success", true), Json.readMap(r.body()));
            assertEquals(true, conversation(me, other).get("archived"));
            List<ServiceHarness.Received> got = sub.take(2, 5000);
            assertEquals(List.of("apps." + app + ".users." + me + ".conversations." + other + ".clientdeleted",
                    "apps." + app + ".users." + me + ".archived_conversations." + other + ".clientadded"),
                    got.stream().map(ServiceHarness.Received::routingKey).collect(Collectors.toList()));
            assertEquals(true, got.get(1).body().get("archived"));
            assertEquals("hello", got.get(1).body().get("last_message_text"));
        }
        String token = svc.user(me);
        assertTrue(list("/api/" + app + "/" + me + "/conversations", token).isEmpty());
        assertEquals(1, list("/api/" + app + "/" + me + "/archived_conversations", token).size());
        assertEquals(1, list("/api/" + app + "/" + me + "/conversations/archived", token).size());
        assertEquals(1, list("/api/" + app + "/" + me + "/archived_conversations/" + other, token).size());

        converse(other, me, "are you there?");
        assertEquals(false, conversation(me, other).get("archived"));
        assertEquals(1, list("/api/" + app + "/" + me + "/conversations", token).size());
        assertTrue(list("/api/" + app + "/" + me + "/archived_conversations", token).isEmpty());
    }

    @Test
    void deleteRemovesTheConversationAndOnlyThatUsersCopies() throws Exception {
        String me = unique("u");
        String other = unique("v");
        converse(me, other, "one");
        converse(other, me, "two");
        try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users." + me + ".#")) {
            HttpResponse<String> r = svc.request("DELETE", "/api/" + app + "/conversations/" + other + "?delete=true",
                    svc.user(me), null);
            assertEquals(201, r.statusCode(), r.body());
            List<ServiceHarness.Received> got = sub.take(1, 5000);
            assertEquals("apps." + app + ".users." + me + ".conversations." + other + ".clientdeleted", got.get(0).routingKey());
        }
        assertNull(conversation(me, other));
        assertEquals(0, svc.db.getCollection("messages").countDocuments(new Document("timelineOf", me)));
        assertEquals(2, svc.db.getCollection("messages").countDocuments(new Document("timelineOf", other)),
                "the other side keeps its copies");
        assertNotNull(conversation(other, me));
        assertEquals(404, svc.request("DELETE", "/api/" + app + "/conversations/" + other + "?delete=true", svc.user(me), null)
                .statusCode());
        assertEquals(404, svc.request("DELETE", "/api/" + app + "/conversations/" + unique("nobody"), svc.user(me), null)
                .statusCode());
    }

    @Test
    void onlyAdminsActForAnotherUser() throws Exception {
        String me = unique("u");
        String other = unique("v");
        converse(other, me, "hi");
        String path = "/api/" + app + "/conversations/" + other;
        String forMe = Json.write(Map.of("user_id", me));
        assertEquals(403, svc.request("DELETE", path, svc.user(unique("mallory")), forMe).statusCode());
        assertEquals(false, conversation(me, other).get("archived"));
        assertEquals(400, svc.request("DELETE", path, TestTokens.admin("boss", app), Json.write(Map.of("user_id", "a#b")))
                .statusCode());
        assertEquals(400, svc.request("DELETE", path, TestTokens.admin("boss", app), Json.write(Map.of("user_id", Map.of())))
                .statusCode());
        assertEquals(201, svc.request("DELETE", path, TestTokens.admin("boss", app), forMe).statusCode());
        assertEquals(true, conversation(me, other).get("archived"));
        assertEquals(403, svc.request("DELETE", "/api/otherapp/conversations/" + other, svc.user(me), null).statusCode());
        assertEquals(401, svc.request("DELETE", path, null, null).statusCode());
    }

    @Test
    void instancesAreRegisteredByTheirUserOnly() {
        String me = unique("u");
        String instance = "fcm-" + unique("t") + ":APA91bH_x-y";
        String path = "/api/" + app + "/" + me + "/instances/" + instance;
        String body = Json.write(Map.of("device_model", "Pixel", "language", "it", "platform", "android",
                "platform_version", "14"));
        assertEquals(403, svc.post(path, svc.user(unique("other")), body).statusCode());
        assertEquals(403, svc.post(path, TestTokens.admin("boss", app), body).statusCode(), "that user only");
        assertEquals(400, svc.post(path, svc.user(me), Json.write(Map.of("platform", Map.of("$ne", 1)))).statusCode());
        HttpResponse<String> r = svc.post(path, svc.user(me), body);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Map.of("success", true), Json.readMap(r.body()));
        Document stored = svc.db.getCollection("instances").find(new Document("instance_id", instance)).first();
        assertNotNull(stored);
        assertEquals(me, stored.get("user_id"));
        assertEquals(app, stored.get("app_id"));
        assertEquals("Pixel", stored.get("device_model"));
        assertEquals("14", stored.get("platform_version"));
        assertEquals(200, svc.post(path, svc.user(me), Json.write(Map.of("device_model", "Pixel 9", "language", "en",
                "platform", "android", "platform_version", "15"))).statusCode());
        assertEquals(1, svc.db.getCollection("instances").countDocuments(new Document("instance_id", instance)), "upsert");
        assertEquals("Pixel 9", svc.db.getCollection("instances").find(new Document("instance_id", instance)).first()
                .get("device_model"));
        assertEquals(400, svc.post("/api/" + app + "/" + me + "/instances/" + "a%20b", svc.user(me), body).statusCode());
    }

    @Test
    void notifyIsForAdmins() {
        String path = "/api/" + app + "/notify";
        String event = Json.write(Map.of("event_type", "message-sent", "recipient_id", "u1", "data", Map.of("text", "hi")));
        assertEquals(403, svc.post(path, svc.user("u1"), event).statusCode());
        HttpResponse<String> r = svc.post(path, TestTokens.admin("boss", app), event);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Map.of("success", true), Json.readMap(r.body()));
        assertEquals(400, svc.post(path, TestTokens.admin("boss", app), "[1]").statusCode());
    }

    @Test
    void historyPagesWalkBackThroughEveryMessageOnce() throws Exception {
        String me = unique("u");
        String other = unique("v");
        // 7 messages, several sharing a timestamp, so the cursor needs its tie-break
        for (int i = 0; i < 7; i++) {
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("sender_fullname", "Me");
            msg.put("recipient_id", other);
            msg.put("recipient_fullname", "Other");
            msg.put("text", "m" + i);
            msg.put("timestamp", 1_700_000_000_000L + i / 3);
            assertEquals(200, svc.post("/api/" + app + "/messages", svc.user(me), Json.write(msg)).statusCode());
        }
        waitUntil(() -> svc.db.getCollection("messages").countDocuments(new Document("timelineOf", me)) == 7, 5000, "stored");
        String base = "/api/" + app + "/" + me + "/conversations/" + other + "/messages";
        List<Map<String, Object>> all = list(base, svc.user(me));
        assertEquals(7, all.size());
        List<Map<String, Object>> walked = new ArrayList<>();
        String next = base + "?limit=3";
        for (int page = 0; page < 5; page++) {
            List<Map<String, Object>> items = list(next, svc.user(me));
            walked.addAll(items);
            if (items.size() < 3) {
                break;
            }
            Map<String, Object> last = items.get(items.size() - 1);
            next = base + "?limit=3&before=" + last.get("timestamp") + "&before_id=" + last.get("message_id");
        }
        assertEquals(all.stream().map(m -> m.get("message_id")).collect(Collectors.toList()),
                walked.stream().map(m -> m.get("message_id")).collect(Collectors.toList()),
                "the pages, in order, are the whole list: newest first, each message once");
        for (int i = 1; i < all.size(); i++) {
            assertTrue(((Number) all.get(i - 1).get("timestamp")).longValue() >= ((Number) all.get(i).get("timestamp")).longValue());
        }
        assertEquals(3, list(base + "?before=1700000000001", svc.user(me)).size(), "before alone: strictly older");
        assertEquals(1, list("/api/" + app + "/" + me + "/conversations?limit=1", svc.user(me)).size());
        assertEquals(400, svc.get(base + "?limit=0", svc.user(me)).statusCode());
        assertEquals(400, svc.get(base + "?limit=501", svc.user(me)).statusCode());
        assertEquals(400, svc.get(base + "?before=abc", svc.user(me)).statusCode());
        assertEquals(400, svc.get(base + "?before=5&before_id=%7B%22%24gt%22%3A%22%22%7D", svc.user(me)).statusCode());
        assertEquals(200, svc.get(base + "?limit=500", svc.user(me)).statusCode());
    }
}
