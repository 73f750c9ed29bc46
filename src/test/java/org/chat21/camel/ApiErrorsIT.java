package org.chat21.camel;

import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.chat21.camel.infra.EmbeddedBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal: status, JSON body, no stack trace, and nothing written. */
@RequiresRabbitMQ
class ApiErrorsIT {
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

    static Map<String, Object> validBody() {
        return new HashMap<>(Map.of("sender_fullname", "A", "recipient_id", "bob", "recipient_fullname", "B", "text", "x"));
    }

    /** The error contract of spec 2, and no write of any kind. */
    static void assertRefused(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                response.headers().map().toString());
        Map<String, Object> body = Json.readMap(response.body());
        assertEquals(false, body.get("success"), response.body());
        assertTrue(body.get("err") instanceof String s && !s.isBlank(), response.body());
        assertFalse(response.body().contains("Exception") || response.body().contains("\tat "), response.body());
    }

    void assertNothingStored() {
        // every refused request in this class is sent as alice (or a token for her)
        assertEquals(0, svc.db.getCollection("outbox").countDocuments(Filters.in("message.sender", "alice", "ali.ce")));
        assertEquals(0, svc.db.getCollection("messages").countDocuments(Filters.in("sender", "alice", "ali.ce")));
    }

    HttpResponse<String> postAs(String token, Object body) {
        return svc.post("/api/" + app + "/messages", token, body instanceof String s ? s : Json.write(body));
    }

    @Test
    void missingOrBadTokensAre401() {
        assertRefused(postAs(null, validBody()), 401);
        assertRefused(postAs("not-a-jwt", validBody()), 401);
        var claims = TestTokens.claims("alice", app, "user");
        assertRefused(postAs(TestTokens.sign(claims, "another-secret", "HS256"), validBody()), 401);
        assertRefused(postAs(TestTokens.sign(claims, TestTokens.KEY, "none"), validBody()), 401);
        assertRefused(postAs(TestTokens.sign(claims, TestTokens.KEY, "HS512"), validBody()), 401);
        var expired = TestTokens.claims("alice", app, "user");
        expired.put("exp", System.currentTimeMillis() / 1000 - 60);
        assertRefused(postAs(TestTokens.sign(expired, TestTokens.KEY, "HS256"), validBody()), 401);
        var early = TestTokens.claims("alice", app, "user");
        early.put("nbf", System.currentTimeMillis() / 1000 + 3600);
        assertRefused(postAs(TestTokens.sign(early, TestTokens.KEY, "HS256"), validBody()), 401);
        assertRefused(svc.get("/api/" + app + "/getInfo", null), 401);
        assertNothingStored();
    }

    @Test
    void claimsOfTheWrongTypeAre401() {
        for (Object bad : List.of(123, true, List.of("alice"), Map.of("id", "alice"))) {
            var sub = TestTokens.claims("alice", app, "user");
            sub.put("sub", bad);
            assertRefused(postAs(TestTokens.sign(sub, TestTokens.KEY, "HS256"), validBody()), 401);
            var appId = TestTokens.claims("alice", app, "user");
            appId.put("app_id", bad);
            assertRefused(postAs(TestTokens.sign(appId, TestTokens.KEY, "HS256"), validBody()), 401);
        }
        var roles = TestTokens.claims("alice", app, "user");
        roles.put("tiledesk_api_roles", Map.of("admin", true));
        assertRefused(postAs(TestTokens.sign(roles, TestTokens.KEY, "HS256"), validBody()), 401);
        assertNothingStored();
        assertEquals(0, svc.db.getCollection("outbox").countDocuments(Filters.eq("message.sender", "123")));
    }

    @Test
    void instancesNeedAValidIdAndABody() {
        String alice = svc.user("alice");
        String path = "/api/" + app + "/alice/instances/";
        // a real-looking FCM token and an APNs token are accepted
        String fcm = "dGVzdC1pbnN0YW5jZQ:APA91bH" + "x-_Y".repeat(35);
        String apns = "0f".repeat(32);
        for (String id : List.of(fcm, apns)) {
            HttpResponse<String> ok = svc.post(path + id, alice, Json.write(Map.of("platform", "ionic", "language", "en")));
            assertEquals(200, ok.statusCode(), ok.body());
        }
        assertEquals(2, svc.db.getCollection("instances").countDocuments(Filters.eq("user_id", "alice")));
        for (String id : List.of("a.b", "a%2Fb", "a%24b", "a%20b", "a+b", "a=", "x".repeat(513))) {
            assertRefused(svc.post(path + id, alice, Json.write(Map.of("platform", "ionic"))), 400);
        }
        for (String body : List.of("", "{}", "{\"other\": \"x\"}", "{\"platform\": 5}", "{\"platform\": {\"$ne\": 1}}",
                "[]", "null", "\"ionic\"")) {
            assertRefused(svc.post(path + "tok-1", alice, body), 400);
        }
        assertEquals(0, svc.db.getCollection("instances").countDocuments(Filters.eq("instance_id", "tok-1")));
        assertEquals(2, svc.db.getCollection("instances").countDocuments(Filters.eq("user_id", "alice")));
    }

    @Test
    void memberValuesOtherThanOneAre400() {
        String alice = svc.user("alice");
        for (Object bad : List.of(Map.of("$gt", 1), 0, 2, "1", false, List.of(1), 1.5)) {
            assertRefused(svc.post("/api/" + app + "/groups", alice, Json.write(Map.of("group_id", "group-vals",
                    "group_name", "G", "group_members", Map.of("bob", bad)))), 400);
        }
        assertEquals(0, svc.db.getCollection("groups").countDocuments(Filters.eq("uid", "group-vals")));
        // true is what the original's truth test accepts: taken and stored as 1
        HttpResponse<String> created = svc.post("/api/" + app + "/groups", alice, Json.write(Map.of("group_id", "group-vals",
                "group_name", "G", "group_members", Map.of("bob", true))));
        assertEquals(201, created.statusCode(), created.body());
        Document members = svc.db.getCollection("groups").find(Filters.eq("uid", "group-vals")).first()
                .get("members", Document.class);
        assertEquals(new Document("bob", 1).append("alice", 1), members);
        // setting members with an operator as a value used to drop the owner
        for (Object bad : List.of(Map.of("$gt", 1), 0, "yes")) {
            assertRefused(svc.request("PUT", "/api/" + app + "/groups/group-vals/members", alice,
                    Json.write(Map.of("members", Map.of("USER2", bad)))), 400);
        }
        assertEquals(members, svc.db.getCollection("groups").find(Filters.eq("uid", "group-vals")).first()
                .get("members", Document.class));
    }

    @Test
    void aTooLongPathIsJson414AndHugeHeadersJson431() {
        String alice = svc.user("alice");
        // the JDK client's default attempt at an h2c upgrade (h2c is off: answered as HTTP/1.1), and plain HTTP/1.1
        assertRefused(svc.get("/api/" + app + "/alice/conversations/" + "x".repeat(10_000), alice), 414);
        assertRefused(svc.request("DELETE", "/api/" + app + "/conversations/" + "x".repeat(10_000), alice, null), 414);
        var http11 = java.net.http.HttpClient.Version.HTTP_1_1;
        assertRefused(svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + app + "/alice/conversations/"
                + "x".repeat(10_000))).version(http11).header("Authorization", "JWT " + alice).GET().build()), 414);
        assertRefused(svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + app + "/messages?pad=" + "y".repeat(10_000)))
                .version(http11).header("Authorization", "JWT " + alice)
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(validBody()))).build()), 414);
        assertRefused(svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + app + "/messages"))
                .version(http11).header("Authorization", "JWT " + alice).header("X-Pad", "z".repeat(10_000))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(validBody()))).build()), 431);
        assertNothingStored();
        // the connection was closed, the next request is answered as usual
        assertEquals(200, svc.get("/api/" + app + "/getInfo", alice).statusCode());
    }

    @Test
    void anEmptyPathSegmentIs400() {
        String alice = svc.user("alice");
        for (String path : List.of("/alice/conversations//messages", "/alice//conversations", "//alice/conversations")) {
            assertRefused(svc.get("/api/" + app + path, alice), 400);
        }
        assertRefused(svc.request("DELETE", "/api/" + app + "/conversations//", alice, null), 400);
        assertRefused(svc.post("/api/" + app + "//messages", alice, Json.write(validBody())), 400);
        assertNothingStored();
    }

    @Test
    void everyTokenLocationAndPrefixIsAccepted() {
        String token = svc.user("alice");
        for (String header : List.of(token, "JWT " + token, "Bearer " + token, "bearer " + token)) {
            var r = svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + app + "/getInfo"))
                    .header("Authorization", header).GET().build());
            assertEquals(200, r.statusCode(), header);
            assertTrue(Json.readMap(r.body()).containsKey("v"));
        }
        for (String param : List.of("jwt", "JWT", "token")) {
            var prefixed = svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + app + "/getInfo?" + param + "="
                    + URLEncoder.encode("JWT " + token, StandardCharsets.UTF_8))).GET().build());
            var raw = svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + app + "/getInfo?" + param + "=" + token))
                    .GET().build());
            assertEquals(200, raw.statusCode(), param);
            assertEquals(200, prefixed.statusCode(), param);
        }
    }

    @Test
    void tenantsWithTheSameUserIdsStayApart() throws Exception {
        String otherApp = "other" + app;
        HttpResponse<String> mine = svc.sendText("tess", "uma", "in my app");
        assertEquals(200, mine.statusCode());
        HttpResponse<String> theirs = svc.post("/api/" + otherApp + "/messages", TestTokens.user("tess", otherApp),
                Json.write(Map.of("sender_fullname", "T", "recipient_id", "uma", "recipient_fullname", "U", "text", "in their app")));
        assertEquals(200, theirs.statusCode());
        String theirId = (String) DeliveryIT.result(theirs).get("message_id");
        ServiceHarness.waitUntil(() -> svc.db.getCollection("outbox").countDocuments(Filters.eq("_id", theirId)) == 0
                && svc.db.getCollection("messages").countDocuments(Filters.eq("message_id", theirId)) == 2, 5000, "delivered");
        ServiceHarness.waitUntil(() -> svc.db.getCollection("conversations").countDocuments(
                Filters.and(Filters.eq("timelineOf", "uma"), Filters.eq("conversWith", "tess"))) == 2, 5000, "two conversations");
        List<?> mineList = (List<?>) Json.readMap(svc.get("/api/" + app + "/uma/conversations/tess/messages", svc.user("uma")).body()).get("result");
        assertEquals(1, mineList.size());
        assertEquals("in my app", ((Map<?, ?>) mineList.get(0)).get("text"));
        List<?> convs = (List<?>) Json.readMap(svc.get("/api/" + app + "/uma/conversations", svc.user("uma")).body()).get("result");
        assertTrue(convs.stream().allMatch(c -> app.equals(((Map<?, ?>) c).get("app_id"))));
    }

    @Test
    void anotherTenantsTokenIs403() {
        String other = TestTokens.user("alice", "other" + app);
        assertRefused(postAs(other, validBody()), 403);
        assertRefused(svc.get("/api/" + app + "/alice/conversations", other), 403);
        assertNothingStored();
    }

    @Test
    void readingSomeoneElsesTimelineIs403ButAdminsMay() {
        String alice = svc.user("alice");
        assertRefused(svc.get("/api/" + app + "/bob/conversations", alice), 403);
        assertRefused(svc.get("/api/" + app + "/bob/conversations/archived", alice), 403);
        assertRefused(svc.get("/api/" + app + "/bob/archived_conversations", alice), 403);
        assertRefused(svc.get("/api/" + app + "/bob/conversations/carl", alice), 403);
        assertRefused(svc.get("/api/" + app + "/bob/archived_conversations/carl", alice), 403);
        assertRefused(svc.get("/api/" + app + "/bob/conversations/carl/messages", alice), 403);
        String admin = TestTokens.admin("root", app);
        assertEquals(200, svc.get("/api/" + app + "/bob/conversations", admin).statusCode());
        assertEquals(200, svc.get("/api/" + app + "/bob/conversations/carl/messages", admin).statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob.x", "bob#", "bob*", "bo/b", "bob+", "$bob", "bo b", "bob\t", "bob\u0001", ""})
    void unroutableRecipientIdsAre400(String recipient) {
        Map<String, Object> body = validBody();
        body.put("recipient_id", recipient);
        assertRefused(postAs(svc.user("alice"), body), 400);
        assertNothingStored();
    }

    @Test
    void unroutableIdsInPathsAre400() {
        String token = svc.user("alice");
        assertRefused(svc.get("/api/" + app + "/alice/conversations/bob.x", token), 400);
        assertRefused(svc.get("/api/" + app + "/alice/conversations/bob*/messages", token), 400);
        assertRefused(svc.get("/api/" + app + "/alice/conversations/%23/messages", token), 400);
        String dotted = TestTokens.user("ali.ce", app);
        assertRefused(postAs(dotted, validBody()), 400);
        assertNothingStored();
    }

    @Test
    void wrongJsonTypesAre400() {
        String token = svc.user("alice");
        for (var bad : List.<Map<String, Object>>of(
                Map.of("recipient_id", Map.of("$gt", "")),
                Map.of("recipient_id", List.of("bob")),
                Map.of("recipient_id", 42),
                Map.of("sender_fullname", Map.of("$ne", 1)),
                Map.of("recipient_fullname", true),
                Map.of("text", Map.of("a", 1)),
                Map.of("type", 7),
                Map.of("channel_type", "broadcast"),
                Map.of("attributes", "not-an-object"),
                Map.of("attributes", Map.of("$where", "1")),
                Map.of("metadata", Map.of("a.b", 1)),
                Map.of("timestamp", "yesterday"),
                Map.of("timestamp", -5))) {
            Map<String, Object> body = validBody();
            body.putAll(bad);
            assertRefused(postAs(token, body), 400);
        }
        Map<String, Object> missing = validBody();
        missing.remove("recipient_fullname");
        assertRefused(postAs(token, missing), 400);
        assertRefused(postAs(token, "{not json"), 400);
        assertRefused(postAs(token, "[1,2]"), 400);
        assertRefused(postAs(token, "\"text\""), 400);
        assertRefused(postAs(token, ""), 400);
        assertNothingStored();
    }

    @Test
    void oversizedBodyIs413() {
        Map<String, Object> body = validBody();
        body.put("text", "x".repeat(1_100_000));
        assertRefused(postAs(svc.user("alice"), body), 413);
        // the same body sent chunked (no Content-Length) is cut off at the limit
        byte[] bytes = Json.writeBytes(body);
        HttpResponse<String> chunked = svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/" + app + "/messages"))
                .header("Authorization", "JWT " + svc.user("alice")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))).build());
        assertRefused(chunked, 413);
        assertNothingStored();
    }

    @Test
    void onlyAdminsMaySetSenderId() throws Exception {
        Map<String, Object> body = validBody();
        body.put("sender_id", "mallory");
        assertRefused(postAs(svc.user("eve"), body), 403);
        assertEquals(0, svc.db.getCollection("outbox").countDocuments(Filters.in("message.sender", "eve", "mallory")));

        body.put("sender_id", "system");
        HttpResponse<String> ok = postAs(TestTokens.admin("root", app), body);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("system", DeliveryIT.result(ok).get("sender"));
        String id = (String) DeliveryIT.result(ok).get("message_id");
        ServiceHarness.waitUntil(() -> svc.db.getCollection("messages").countDocuments(
                Filters.and(Filters.eq("message_id", id), Filters.eq("timelineOf", "system"))) == 1, 5000, "admin send delivered");
    }

    @Test
    void unknownPathIsJson404AndBannerAndInfoAnswer() {
        assertRefused(svc.get("/api/" + app + "/nothing/here/at/all", svc.user("alice")), 404);
        HttpResponse<String> banner = svc.get("/", null);
        assertEquals(200, banner.statusCode());
        assertTrue(banner.body().contains("chat21-camel"));
        HttpResponse<String> info = svc.get("/api/" + app + "/getInfo", svc.user("alice"));
        assertEquals(200, info.statusCode());
        assertEquals("0.1.0", Json.readMap(info.body()).get("v"));
    }

    @Test
    void archivedConversationsAreListedOnBothPaths() {
        svc.db.getCollection("conversations").insertOne(new Document("timelineOf", "zoe").append("conversWith", "yan")
                .append("app_id", app).append("archived", true).append("is_new", false).append("key", "yan")
                .append("text", "old").append("last_message_text", "old").append("timestamp", 5L).append("message_id", "m-old"));
        String zoe = svc.user("zoe");
        for (String path : List.of("/zoe/conversations/archived", "/zoe/archived_conversations",
                "/zoe/archived_conversations/yan")) {
            HttpResponse<String> r = svc.get("/api/" + app + path, zoe);
            assertEquals(200, r.statusCode(), path);
            List<?> result = (List<?>) Json.readMap(r.body()).get("result");
            assertEquals(1, result.size(), path);
        }
        assertEquals(List.of(), Json.readMap(svc.get("/api/" + app + "/zoe/conversations", zoe).body()).get("result"));
        assertEquals(List.of(), Json.readMap(svc.get("/api/" + app + "/zoe/conversations/yan", zoe).body()).get("result"));
        assertEquals(List.of(), Json.readMap(svc.get("/api/" + app + "/zoe/archived_conversations/xi", zoe).body()).get("result"));
    }

    @Test
    void withTheBrokerDownSendsAreStoredForLaterAndChangesAre503WithinTwoSeconds() throws Exception {
        int deadPort = EmbeddedBroker.freePort();
        try (ServiceHarness down = new ServiceHarness(Map.of("chat21.rabbitmq.uri",
                "amqp://guest:guest@127.0.0.1:" + deadPort), null)) {
            long start = System.nanoTime();
            HttpResponse<String> response = down.post("/api/" + down.appId + "/messages", down.user("alice"),
                    Json.write(validBody()));
            long ms = (System.nanoTime() - start) / 1_000_000;
            // the broker is not on a send's path: stored in the outbox is accepted, delivered once it is back
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(ms < 2000, "answered in " + ms + " ms");
            Thread.sleep(500);
            // its copies may be stored already (delivery writes, then publishes): it stays in the outbox until
            // they are published too
            assertEquals(1, down.db.getCollection("outbox").countDocuments(new org.bson.Document("state", "pending")));

            // group changes and archiving are refused up front too: nothing changes
            start = System.nanoTime();
            assertRefused(down.post("/api/" + down.appId + "/groups", down.user("alice"), Json.write(Map.of(
                    "group_id", "group-down", "group_name", "Down", "group_members", Map.of("bob", 1)))), 503);
            assertTrue((System.nanoTime() - start) / 1_000_000 < 2000, "group create answered within 2 s");
            assertEquals(0, down.db.getCollection("groups").countDocuments());
            down.db.getCollection("groups").insertOne(new org.bson.Document("uid", "group-up").append("appId", down.appId)
                    .append("name", "Up").append("owner", "alice").append("members", new org.bson.Document("alice", 1)));
            assertRefused(down.post("/api/" + down.appId + "/groups/group-up/members", down.user("alice"),
                    Json.write(Map.of("member_id", "bob"))), 503);
            assertEquals(java.util.Set.of("alice"), down.db.getCollection("groups").find().first()
                    .get("members", org.bson.Document.class).keySet());
            assertRefused(down.request("DELETE", "/api/" + down.appId + "/conversations/bob", down.user("alice"), null), 503);
            assertEquals(1, down.db.getCollection("outbox").countDocuments(), "only the accepted message");
        }
    }
}
