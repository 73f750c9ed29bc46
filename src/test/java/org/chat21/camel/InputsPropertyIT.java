package org.chat21.camel;

import com.mongodb.client.model.Filters;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.chat21.camel.common.Json;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generated hostile input (jqwik) against one service: request bodies of the send, group, members and instance
 * endpoints (wrong types, nesting, huge and unicode strings, missing and extra fields, {@code $}-operators),
 * path ids, and client publications over AMQP on amq.topic as the MQTT plugin delivers them. The property:
 * every input is either accepted (2xx, and then it is stored) or refused with a JSON 4xx (never a 5xx, never
 * another body), and a refusal writes nothing. Every case acts as a user of its own, so "nothing written" is
 * an exact count. Bounded: a few hundred cases.
 */
class InputsPropertyIT {
    static ServiceHarness svc;
    static String app;
    static final AtomicInteger USERS = new AtomicInteger();

    @BeforeContainer
    static void start() throws Exception {
        svc = new ServiceHarness();
        app = svc.appId;
    }

    @AfterContainer
    static void stop() throws Exception {
        if (svc != null) {
            svc.close();
        }
    }

    /** A fresh user id for one case. */
    static String nextUser() {
        return "p" + USERS.incrementAndGet();
    }

    // ---- generators ----

    static final List<String> NASTY = List.of("", " ", ".", "#", "*", "+", "/", "$", "a.b", "a#b", "a*", "$gt", "$where",
            "%2F", "a/b", "..", "ü", "日本", "😀", "\u0000", "\n", "group-", "group-x.y", "USER1", "bob", "1", "true", "null",
            "apps.x.users.victim", "x".repeat(5000));

    static Arbitrary<String> hostileStrings() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(NASTY)),
                Tuple.of(3, Arbitraries.strings().all().ofMaxLength(30)),
                Tuple.of(3, Arbitraries.strings().withChars("abcAB01.#*$/:-_+=% ü").ofMinLength(0).ofMaxLength(20)),
                Tuple.of(1, Arbitraries.strings().alpha().ofMinLength(3000).ofMaxLength(20_000)));
    }

    static Arbitrary<Object> jsonValues(int depth) {
        List<Tuple.Tuple2<Integer, Arbitrary<Object>>> choices = new ArrayList<>(List.of(
                Tuple.of(1, Arbitraries.just(null).asGeneric()),
                Tuple.of(2, Arbitraries.integers().between(-3, 3).asGeneric()),
                Tuple.of(1, Arbitraries.longs().asGeneric()),
                Tuple.of(1, Arbitraries.doubles().asGeneric()),
                Tuple.of(1, Arbitraries.of(true, false).asGeneric()),
                Tuple.of(4, hostileStrings().asGeneric()),
                Tuple.of(1, Arbitraries.of(Map.of("$gt", 1), Map.of("$ne", ""), Map.of("$where", "1"), Map.of("a.b", 1))
                        .asGeneric())));
        if (depth > 0) {
            choices.add(Tuple.of(1, jsonValues(depth - 1).list().ofMaxSize(3).asGeneric()));
            choices.add(Tuple.of(2, Arbitraries.maps(hostileStrings(), jsonValues(depth - 1)).ofMaxSize(3).asGeneric()));
        }
        return Arbitraries.frequencyOf(choices);
    }

    /** A mutation of a body: remove a field, set one to any value, or add one. */
    record Mutation(int op, String field, Object value) {
        void apply(Map<String, Object> body) {
            switch (op) {
                case 0 -> body.remove(field);
                case 1 -> body.put(field, value);
                default -> body.put(field + "_extra", value);
            }
        }
    }

    static Arbitrary<Mutation> mutations(String... fields) {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.of(fields), jsonValues(2))
                .as(Mutation::new);
    }

    /**
     * Bodies made from a valid one by 0 to 3 mutations, or a random JSON value, or text that is not JSON. The
     * template gets its member ids at use (each case its own users).
     */
    static Arbitrary<String> bodies(Map<String, Object> template, String... fields) {
        Arbitrary<String> mutated = mutations(fields).list().ofMaxSize(3).map(ms -> {
            Map<String, Object> body = new LinkedHashMap<>(template);
            ms.forEach(m -> m.apply(body));
            return Json.write(body);
        });
        return Arbitraries.frequencyOf(
                Tuple.of(8, mutated),
                Tuple.of(1, jsonValues(2).map(Json::write)),
                Tuple.of(1, Arbitraries.of("", "{", "{\"a\":", "not json", "[1,", "\u0000", "{\"text\": \"a\"}}")));
    }

    @Provide
    Arbitrary<String> sendBodies() {
        return bodies(Map.of("sender_fullname", "A", "recipient_id", "bob", "recipient_fullname", "B", "text", "hi"),
                "sender_fullname", "recipient_id", "recipient_fullname", "text", "type", "channel_type", "attributes",
                "metadata", "timestamp", "group", "sender_id");
    }

    @Provide
    Arbitrary<String> groupBodies() {
        return bodies(Map.of("group_name", "G", "group_members", Map.of("bob", 1)),
                "group_name", "group_members", "group_id", "group_owner", "attributes");
    }

    @Provide
    Arbitrary<String> memberBodies() {
        Arbitrary<String> membersMaps = Arbitraries.maps(hostileStrings(), jsonValues(1)).ofMaxSize(3)
                .map(m -> Json.write(Map.of("members", m)));
        return Arbitraries.oneOf(membersMaps, bodies(Map.of("members", Map.of("bob", 1, "carl", 1)), "members"));
    }

    @Provide
    Arbitrary<String> instanceBodies() {
        return bodies(Map.of("platform", "ionic", "language", "en"), "platform", "language", "device_model",
                "platform_version");
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of("fcmtoken:APA91b-x_Y", "0f".repeat(32), "bob", "group-1")),
                Tuple.of(4, hostileStrings()));
    }

    // ---- the property's checks ----

    /** Not a 5xx, a JSON body, and for an error Chat21's error shape. */
    static Map<String, Object> assertJsonAnswer(HttpResponse<String> r, String input) {
        String what = r.statusCode() + " " + r.body() + " for " + abbreviate(input);
        assertTrue(r.statusCode() < 500, what);
        assertTrue(r.statusCode() >= 200 && r.statusCode() < 300 || r.statusCode() >= 400, what);
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), what);
        Map<String, Object> body = Json.readMap(r.body());
        if (r.statusCode() >= 400) {
            assertEquals(false, body.get("success"), what);
            assertTrue(body.get("err") instanceof String s && !s.isBlank(), what);
            assertFalse(r.body().contains("Exception"), what);
        }
        return body;
    }

    /** Counts accepted and refused cases (reported), and requires some of each: a property never accepting is vacuous. */
    static void outcome(HttpResponse<String> r) {
        Statistics.collect(r.statusCode() < 300 ? "accepted" : "refused");
        Statistics.coverage(c -> {
            c.check("accepted").count(n -> n > 0);
            c.check("refused").count(n -> n > 0);
        });
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    static long count(String collection, Bson filter) {
        return svc.db.getCollection(collection).countDocuments(filter);
    }

    /** Everything a user's request could have written. */
    static long writtenBy(String user) {
        return count("outbox", Filters.eq("message.sender", user)) + count("messages", Filters.eq("sender", user))
                + count("conversations", Filters.eq("timelineOf", user)) + count("instances", Filters.eq("user_id", user))
                + count("groups", Filters.or(Filters.eq("owner", user), Filters.exists("members." + user)));
    }

    static String pathSegment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    // ---- properties ----

    @Property(tries = 80, shrinking = ShrinkingMode.BOUNDED)
    void sendingAMessage(@ForAll("sendBodies") String body) {
        String user = nextUser();
        HttpResponse<String> r = svc.post("/api/" + app + "/messages", svc.user(user), body);
        Map<String, Object> answer = assertJsonAnswer(r, body);
        outcome(r);
        if (r.statusCode() < 300) {
            String id = (String) ((Map<?, ?>) answer.get("result")).get("message_id");
            // stored before the answer: in the outbox until delivered, then as copies
            assertTrue(count("outbox", Filters.eq("_id", id)) + count("messages", Filters.eq("message_id", id)) > 0, body);
        } else {
            assertEquals(0, writtenBy(user), abbreviate(body));
        }
    }

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void creatingAGroup(@ForAll("groupBodies") String body) {
        String user = nextUser();
        HttpResponse<String> r = svc.post("/api/" + app + "/groups", svc.user(user), body);
        Map<String, Object> answer = assertJsonAnswer(r, body);
        outcome(r);
        if (r.statusCode() < 300) {
            String uid = (String) ((Map<?, ?>) answer.get("group")).get("uid");
            Document group = svc.db.getCollection("groups").find(Filters.and(Filters.eq("uid", uid),
                    Filters.eq("appId", app))).first();
            assertTrue(group != null, body);
            group.get("members", Document.class).values().forEach(v -> assertEquals(1, v, body));
        } else {
            assertEquals(0, writtenBy(user), abbreviate(body));
        }
    }

    @Property(tries = 50, shrinking = ShrinkingMode.BOUNDED)
    void settingMembers(@ForAll("memberBodies") String body) {
        String user = nextUser();
        String groupId = "group-" + user;
        HttpResponse<String> created = svc.post("/api/" + app + "/groups", svc.user(user),
                Json.write(Map.of("group_id", groupId, "group_name", "G", "group_members", Map.of("bob", 1))));
        assertEquals(201, created.statusCode(), created.body());
        Bson filter = Filters.and(Filters.eq("uid", groupId), Filters.eq("appId", app));
        Document before = svc.db.getCollection("groups").find(filter).first();
        HttpResponse<String> r = svc.request("PUT", "/api/" + app + "/groups/" + groupId + "/members", svc.user(user), body);
        assertJsonAnswer(r, body);
        outcome(r);
        Document after = svc.db.getCollection("groups").find(filter).first();
        if (r.statusCode() < 300) {
            Map<?, ?> asked = (Map<?, ?>) Json.readMap(body).get("members");
            assertEquals(asked.keySet(), after.get("members", Document.class).keySet(), body);
            after.get("members", Document.class).values().forEach(v -> assertEquals(1, v, body));
        } else {
            assertEquals(before.get("members"), after.get("members"), abbreviate(body));
            assertEquals(before.get("updatedOn"), after.get("updatedOn"), abbreviate(body));
        }
    }

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void registeringAnInstance(@ForAll("ids") String instanceId, @ForAll("instanceBodies") String body) {
        String user = nextUser();
        HttpResponse<String> r = svc.post("/api/" + app + "/" + user + "/instances/" + pathSegment(instanceId),
                svc.user(user), body);
        assertJsonAnswer(r, instanceId + " " + body);
        outcome(r);
        if (r.statusCode() < 300) {
            assertEquals(1, count("instances", Filters.and(Filters.eq("user_id", user), Filters.eq("instance_id", instanceId))),
                    instanceId);
        } else {
            assertEquals(0, writtenBy(user), abbreviate(instanceId + " " + body));
        }
    }

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void idsInPaths(@ForAll("ids") String id, @ForAll("sendBodies") String body) {
        String user = nextUser();
        String token = svc.user(user);
        String seg = pathSegment(id);
        List<HttpResponse<String>> answers = List.of(
                svc.get("/api/" + app + "/" + user + "/conversations/" + seg + "/messages", token),
                svc.get("/api/" + app + "/" + user + "/conversations/" + seg, token),
                svc.get("/api/" + app + "/groups/" + seg, token),
                svc.get("/api/" + app + "/" + seg + "/conversations", token),
                svc.request("DELETE", "/api/" + app + "/conversations/" + seg, token, null),
                svc.request("PUT", "/api/" + app + "/groups/" + seg, token, "{\"group_name\":\"N\"}"),
                svc.request("PUT", "/api/" + app + "/groups/" + seg + "/members", token, body),
                svc.post("/api/" + app + "/groups/" + seg + "/members", token, "{\"member_id\":\"" + user + "\"}"),
                svc.request("DELETE", "/api/" + app + "/groups/" + seg + "/members/" + seg, token, null));
        for (HttpResponse<String> r : answers) {
            assertJsonAnswer(r, r.request().method() + " " + r.request().uri());
            // none of these can succeed in changing anything for a user who has nothing
            assertTrue(r.statusCode() < 300 && r.request().method().equals("GET") || r.statusCode() >= 400,
                    r.request().method() + " " + r.request().uri() + " " + r.statusCode());
        }
        assertEquals(0, writtenBy(user), id);
    }

    // ---- client publications (the observer) ----

    /** A publication: which kind of topic, the ids in it, and the payload. */
    record Publication(int kind, String conversWith, String messageId, String payload) {
    }

    @Provide
    Arbitrary<List<Publication>> publications() {
        Arbitrary<String> payloads = Arbitraries.oneOf(
                bodies(Map.of("text", "t", "type", "text", "sender_fullname", "S", "recipient_fullname", "R"),
                        "text", "type", "channel_type", "attributes", "metadata", "group", "recipient_fullname", "status",
                        "is_new", "timelineOf"),
                jsonValues(2).map(Json::write));
        Arbitrary<Publication> one = Combinators.combine(Arbitraries.integers().between(0, 4), ids(), hostileStrings(), payloads)
                .as(Publication::new);
        return one.list().ofSize(40);
    }

    /**
     * Publications of users who have nothing stored: a message is either stored whole (its sender's copy
     * appears) or not at all; a receipt, conversation update or archive of a conversation the user does not
     * have writes nothing. Afterwards the observer still works: a valid message published last is stored.
     */
    @Property(tries = 3, shrinking = ShrinkingMode.OFF)
    void clientPublications(@ForAll("publications") List<Publication> publications) throws Exception {
        ConnectionFactory cf = new ConnectionFactory();
        cf.setUri(ServiceHarness.RABBIT);
        List<String> users = new ArrayList<>();
        try (Connection connection = cf.newConnection("inputs-property"); Channel channel = connection.createChannel()) {
            for (Publication p : publications) {
                String user = nextUser();
                users.add(user);
                String key = switch (p.kind()) {
                    case 0 -> "apps." + app + ".outgoing.users." + user + ".messages." + p.conversWith() + ".outgoing";
                    case 1 -> "apps." + app + ".users." + user + ".messages." + p.conversWith() + "." + p.messageId() + ".update";
                    case 2 -> "apps." + app + ".users." + user + ".conversations." + p.conversWith() + ".update";
                    case 3 -> "apps." + app + ".users." + user + ".conversations." + p.conversWith() + ".archive";
                    default -> "apps." + app + ".users." + user + ".presence." + p.messageId();
                };
                // routing keys are at most 255 bytes (AMQP shortstr): longer ones the MQTT plugin never delivers
                while (key.getBytes(StandardCharsets.UTF_8).length > 255) {
                    key = key.substring(0, key.length() - 10);
                }
                channel.basicPublish("amq.topic", key, null, p.payload().getBytes(StandardCharsets.UTF_8));
            }
            String last = nextUser();
            channel.basicPublish("amq.topic", "apps." + app + ".outgoing.users." + last + ".messages.bob.outgoing", null,
                    Json.writeBytes(Map.of("text", "still alive", "type", "text", "sender_fullname", "L",
                            "recipient_fullname", "B")));
            ServiceHarness.waitUntil(() -> count("messages", Filters.and(Filters.eq("sender", last),
                    Filters.eq("timelineOf", last))) == 1, 15_000, "the observer still delivers after hostile publications");
        }
        // the publications before the last one have had their turn (the consumers take them in order per queue);
        // give the other queues a moment too
        Thread.sleep(1000);
        for (int i = 0; i < publications.size(); i++) {
            Publication p = publications.get(i);
            String user = users.get(i);
            Statistics.label("publications").collect(p.kind() == 0 ? "message" : "other",
                    writtenBy(user) > 0 ? "stored" : "nothing written");
            if (p.kind() == 0 && writtenBy(user) > 0) {
                ServiceHarness.waitUntil(() -> count("messages", Filters.and(Filters.eq("sender", user),
                        Filters.eq("timelineOf", user))) == 1, 10_000, "the sender's copy of an accepted message: " + p);
            } else if (p.kind() != 0) {
                assertEquals(0, writtenBy(user), p.toString());
            }
        }
    }
}
