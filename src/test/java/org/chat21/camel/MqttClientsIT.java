package org.chat21.camel;

import org.bson.Document;
import org.chat21.camel.common.Json;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native Chat21 clients against the service alone (issue 8): real MQTT clients (Eclipse Paho over Web-MQTT,
 * username JWT, the token as password, as Chat21's web widget and apps log in) on the machine's RabbitMQ
 * (configured by deploy/rabbitmq/setup-local.sh), publishing what Chat21 clients publish (spec 8) and
 * subscribed to their own timeline {@code apps/<app>/users/<me>/#}.
 */
@RequiresRabbitMQ(webMqtt = true)
class MqttClientsIT {
    static final String WEB_MQTT = TestBroker.WEB_MQTT;
    static ServiceHarness svc;

    @BeforeAll
    static void start() throws Exception {
        svc = new ServiceHarness();
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
    }

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 6);
    }

    /** One connected client of one user, subscribed to its timeline; what it receives is queued in order. */
    static final class Client implements AutoCloseable {
        final String user;
        final String clientId = UUID.randomUUID().toString();
        final BlockingQueue<ServiceHarness.Received> received = new LinkedBlockingQueue<>();
        final MqttAsyncClient mqtt;

        Client(String user, boolean lastWill) throws Exception {
            this.user = user;
            mqtt = new MqttAsyncClient(WEB_MQTT, clientId, new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setUserName("JWT");
            options.setPassword(TestTokens.mqttUser(user, svc.appId).toCharArray());
            options.setCleanSession(true);
            options.setKeepAliveInterval(10);
            options.setConnectionTimeout(10);
            // Paho counts a QoS 1 publish in flight until its callback thread has handled the ack, which can lag
            // behind waitForCompletion on a loaded machine: its default of 10 ended a sequential send in
            // "Too many publishes in progress" once on CI
            options.setMaxInflight(100);
            if (lastWill) {
                // as chat21client.js: its presence topic, {"disconnected": true}, QoS 1, retained
                options.setWill(presenceTopic(), "{\"disconnected\":true}".getBytes(StandardCharsets.UTF_8), 1, true);
            }
            mqtt.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    // the subscription also gets the user's own publications (presence), which may be empty
                    Map<String, Object> body;
                    try {
                        body = Json.readMap(message.getPayload());
                    } catch (RuntimeException e) {
                        body = Map.of("raw", new String(message.getPayload(), StandardCharsets.UTF_8));
                    }
                    received.add(new ServiceHarness.Received(topic.replace('/', '.'), body));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            try {
                mqtt.connect(options).waitForCompletion(15_000);
            } catch (Exception e) {
                throw new AssertionError("no MQTT login at " + WEB_MQTT + " (run deploy/rabbitmq/setup-local.sh): " + e, e);
            }
            mqtt.subscribe("apps/" + svc.appId + "/users/" + user + "/#", 1).waitForCompletion(10_000);
        }

        String presenceTopic() {
            return "apps/" + svc.appId + "/users/" + user + "/presence/" + clientId;
        }

        void publish(String topic, String json) throws Exception {
            mqtt.publish(topic, json.getBytes(StandardCharsets.UTF_8), 1, false).waitForCompletion(10_000);
        }

        /** Publishes a message as chat21client.js does: no id, no timestamp, sender from the topic. */
        void send(String recipient, String text, Map<String, Object> extra) throws Exception {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("text", text);
            body.put("type", "text");
            body.put("recipient_fullname", recipient + " Name");
            body.put("sender_fullname", user + " Name");
            body.put("attributes", Map.of("client", "paho"));
            body.put("metadata", Map.of());
            body.put("channel_type", recipient.contains("group-") ? "group" : "direct");
            body.putAll(extra);
            publish("apps/" + svc.appId + "/outgoing/users/" + user + "/messages/" + recipient + "/outgoing", Json.write(body));
        }

        /** The first received publication that matches, waiting up to 10 s. */
        ServiceHarness.Received await(Predicate<ServiceHarness.Received> match, String what) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 10_000;
            List<ServiceHarness.Received> seen = new ArrayList<>();
            while (System.currentTimeMillis() < deadline) {
                ServiceHarness.Received r = received.poll(100, TimeUnit.MILLISECONDS);
                if (r != null) {
                    seen.add(r);
                    if (match.test(r)) {
                        return r;
                    }
                }
            }
            throw new AssertionError(user + " did not receive " + what + "; got " + seen);
        }

        /** Whatever arrives within {@code ms}. */
        List<ServiceHarness.Received> drain(long ms) throws InterruptedException {
            List<ServiceHarness.Received> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + ms;
            ServiceHarness.Received r;
            while ((r = received.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) != null) {
                out.add(r);
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            if (mqtt.isConnected()) {
                try {
                    mqtt.disconnect().waitForCompletion(5_000);
                } catch (Exception e) {
                    mqtt.disconnectForcibly(0, 1000, false);
                }
            }
            mqtt.close(true);
        }
    }

    private static Predicate<ServiceHarness.Received> added(String text) {
        return r -> r.routingKey().endsWith(".clientadded") && text.equals(r.body().get("text"));
    }

    private static long stored(Document filter) {
        return svc.db.getCollection("messages").countDocuments(filter.append("app_id", svc.appId));
    }

    @Test
    void directChatBothWays() throws Exception {
        String a = unique("a");
        String b = unique("b");
        try (Client ca = new Client(a, false); Client cb = new Client(b, false)) {
            ca.send(b, "hi b", Map.of());
            ServiceHarness.Received atB = cb.await(added("hi b"), "a's message");
            assertEquals("apps." + svc.appId + ".users." + b + ".messages." + a + ".clientadded", atB.routingKey());
            assertEquals(150, atB.body().get("status"));
            assertEquals(a, atB.body().get("sender"), "the sender is the topic's");
            assertEquals(a + " Name", atB.body().get("sender_fullname"));
            assertNotNull(atB.body().get("message_id"), "the server gives the id");
            assertTrue(atB.body().get("timestamp") instanceof Number, "and the time");
            assertEquals(100, ca.await(added("hi b"), "its own copy").body().get("status"));

            cb.send(a, "hi a", Map.of());
            assertEquals(b, ca.await(added("hi a"), "b's answer").body().get("sender"));

            // the same data over HTTP: two messages in each timeline, one conversation each
            HttpResponse<String> messages = svc.get("/api/" + svc.appId + "/" + b + "/conversations/" + a + "/messages", svc.user(b));
            assertEquals(200, messages.statusCode());
            assertEquals(2, ((List<?>) Json.readMap(messages.body()).get("result")).size());
            HttpResponse<String> conversations = svc.get("/api/" + svc.appId + "/" + a + "/conversations", svc.user(a));
            List<?> list = (List<?>) Json.readMap(conversations.body()).get("result");
            assertEquals(1, list.size());
            assertEquals("hi a", ((Map<?, ?>) list.get(0)).get("last_message_text"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void groupChatAndAJoinThatReplaysHistoryInTheOriginalsOrder() throws Exception {
        String owner = unique("o");
        String member = unique("m");
        String joiner = unique("j");
        String groupId = "group-" + UUID.randomUUID();
        HttpResponse<String> created = svc.post("/api/" + svc.appId + "/groups", svc.user(owner), Json.write(Map.of(
                "group_id", groupId, "group_name", "Team", "group_members", Map.of(member, 1))));
        assertEquals(201, created.statusCode(), created.body());
        try (Client co = new Client(owner, false); Client cm = new Client(member, false); Client cj = new Client(joiner, false)) {
            cm.send(groupId, "hello group", Map.of());
            ServiceHarness.Received atOwner = co.await(added("hello group"), "the member's group message");
            assertEquals("apps." + svc.appId + ".users." + owner + ".messages." + groupId + ".clientadded", atOwner.routingKey());
            assertEquals("group", atOwner.body().get("channel_type"));
            cm.await(added("hello group"), "its own copy");
            assertEquals(1, stored(new Document("timelineOf", groupId).append("text", "hello group")), "the group's history");

            // a join: the group, then the info message, then the history (spec 6, the original's order)
            HttpResponse<String> joined = svc.post("/api/" + svc.appId + "/groups/" + groupId + "/members",
                    svc.user(owner), Json.write(Map.of("member_id", joiner)));
            assertEquals(200, joined.statusCode(), joined.body());
            List<String> order = new ArrayList<>();
            ServiceHarness.Received last = cj.await(r -> {
                String kind = r.routingKey().endsWith(".groups." + groupId + ".clientupdated") ? "group"
                        : "true".equals(r.body().get("__history")) ? "history"
                        : r.routingKey().endsWith(".clientadded") ? "info" : "other";
                if (order.isEmpty() || !order.get(order.size() - 1).equals(kind)) {
                    order.add(kind);
                }
                return "hello group".equals(r.body().get("text"));
            }, "the history");
            assertEquals(List.of("group", "info", "history"), order);
            assertEquals(150, last.body().get("status"));
            assertEquals(joiner, last.body().get("timelineOf"));
        }
    }

    @Test
    void aGroupThatIsNotStoredReachesTheMembersItsMessageNames() throws Exception {
        String agent = unique("agent");
        String visitor = unique("visitor");
        String outsider = unique("out");
        String supportGroup = "support-group-" + UUID.randomUUID().toString().substring(0, 8);
        try (Client cv = new Client(visitor, false); Client ca = new Client(agent, false); Client co = new Client(outsider, false)) {
            cv.send(supportGroup, "help please", Map.of("group", Map.of("members", Map.of(agent, 1))));
            ServiceHarness.Received atAgent = ca.await(added("help please"), "the visitor's message");
            assertEquals(supportGroup, atAgent.body().get("conversWith"));
            cv.await(added("help please"), "the sender's own copy");
            assertEquals(1, stored(new Document("timelineOf", supportGroup)), "the group timeline's copy");

            // a stored group wins over inline members: the outsider named inline gets nothing
            String groupId = "group-" + UUID.randomUUID();
            assertEquals(201, svc.post("/api/" + svc.appId + "/groups", svc.user(agent), Json.write(Map.of(
                    "group_id", groupId, "group_name", "Stored", "group_members", Map.of(visitor, 1)))).statusCode());
            cv.send(groupId, "members only", Map.of("group", Map.of("members", Map.of(outsider, 1))));
            ca.await(added("members only"), "the stored group's member copy");
            assertTrue(co.drain(1000).stream().noneMatch(added("members only")), "an inline name got into a stored group");
            assertEquals(0, stored(new Document("timelineOf", outsider)));
        }
    }

    @Test
    void readReceiptsMarkBothCopiesAndTellTheSender() throws Exception {
        String a = unique("a");
        String b = unique("b");
        try (Client ca = new Client(a, false); Client cb = new Client(b, false)) {
            ca.send(b, "read me", Map.of());
            String messageId = (String) cb.await(added("read me"), "the message").body().get("message_id");
            ca.await(added("read me"), "a's copy");

            cb.publish("apps/" + svc.appId + "/users/" + b + "/messages/" + a + "/" + messageId + "/update", "{\"status\":200}");
            ServiceHarness.Received receipt = ca.await(r -> r.routingKey().endsWith(".clientupdated"), "the return receipt");
            assertEquals("apps." + svc.appId + ".users." + a + ".messages." + b + "." + messageId + ".clientupdated",
                    receipt.routingKey());
            assertEquals(Map.of("timelineOf", a, "message_id", messageId, "status", 250), receipt.body());
            assertEquals(1, stored(new Document("timelineOf", b).append("message_id", messageId).append("status", 200)));
            assertEquals(1, stored(new Document("timelineOf", a).append("message_id", messageId).append("status", 250)));

            // the sender cannot mark its own message read (and so the other side's copy returned)
            ca.publish("apps/" + svc.appId + "/users/" + a + "/messages/" + b + "/" + messageId + "/update", "{\"status\":200}");
            // (a client's subscription also gets its own publications: only clientupdated counts here)
            assertTrue(cb.drain(800).stream().noneMatch(r -> r.routingKey().endsWith(".clientupdated")));
            assertEquals(1, stored(new Document("timelineOf", b).append("message_id", messageId).append("status", 200)));

            // a receipt for a message the reader does not have changes nothing
            cb.publish("apps/" + svc.appId + "/users/" + b + "/messages/" + a + "/" + UUID.randomUUID() + "/update", "{\"status\":200}");
            assertTrue(ca.drain(800).stream().noneMatch(r -> r.routingKey().endsWith(".clientupdated")));
        }
    }

    @Test
    void conversationPatchAndArchive() throws Exception {
        String a = unique("a");
        String b = unique("b");
        try (Client ca = new Client(a, false); Client cb = new Client(b, false)) {
            ca.send(b, "new for b", Map.of());
            cb.await(added("new for b"), "the message");
            String conversations = "apps/" + svc.appId + "/users/" + b + "/conversations/" + a;

            // only is_new is the client's: a patch naming anything else is dropped whole
            cb.publish(conversations + "/update", "{\"is_new\":false,\"timelineOf\":\"" + a + "\"}");
            cb.publish(conversations + "/update", "{\"is_new\":false}");
            ServiceHarness.Received patched = cb.await(r -> r.routingKey().endsWith(".conversations." + a + ".clientupdated"),
                    "the patch");
            assertEquals(Map.of("is_new", false, "timelineOf", b, "conversWith", a), patched.body());
            Document conversation = svc.db.getCollection("conversations").find(
                    new Document("timelineOf", b).append("conversWith", a)).first();
            assertEquals(false, conversation.get("is_new"));
            assertEquals(b, conversation.get("timelineOf"));

            cb.publish(conversations + "/archive", "{}");
            cb.await(r -> r.routingKey().endsWith(".conversations." + a + ".clientdeleted"), "clientdeleted");
            cb.await(r -> r.routingKey().endsWith(".archived_conversations." + a + ".clientadded"), "the archived conversation");
            HttpResponse<String> archived = svc.get("/api/" + svc.appId + "/" + b + "/archived_conversations", svc.user(b));
            assertEquals(1, ((List<?>) Json.readMap(archived.body()).get("result")).size());
        }
    }

    @Test
    void presenceIsRecordedAndTheLastWillMarksTheClientGone() throws Exception {
        String u = unique("p");
        Client c = new Client(u, true);
        try {
            c.publish(c.presenceTopic(), "{\"connected\":true}");
            Document filter = new Document("app_id", svc.appId).append("user_id", u).append("client_id", c.clientId);
            ServiceHarness.waitUntil(() -> {
                Document p = svc.db.getCollection("presence").find(filter).first();
                return p != null && Boolean.TRUE.equals(p.get("connected"));
            }, 10_000, "connected presence recorded");

            // gone without a DISCONNECT: the broker publishes the last will
            c.mqtt.disconnectForcibly(0, 1000, false);
            ServiceHarness.waitUntil(() -> Boolean.FALSE.equals(svc.db.getCollection("presence").find(filter).first().get("connected")),
                    20_000, "the last will recorded the client as disconnected");
        } finally {
            c.mqtt.close(true);
            // the retained will stays on the broker otherwise (an empty retained message clears it)
            try (Client cleaner = new Client(u, false)) {
                cleaner.mqtt.publish(c.presenceTopic(), new byte[0], 1, true).waitForCompletion(5_000);
            }
        }
    }

    @Test
    void twoInstancesHandleEachPublicationOnce() throws Exception {
        String a = unique("a");
        String b = unique("b");
        try (ServiceHarness second = ServiceHarness.secondInstance(svc);
             Client ca = new Client(a, false); Client cb = new Client(b, false)) {
            int n = 30;
            for (int i = 0; i < n; i++) {
                ca.send(b, "m" + i, Map.of());
            }
            List<ServiceHarness.Received> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 15_000;
            while (got.size() < n && System.currentTimeMillis() < deadline) {
                got.addAll(cb.drain(200));
            }
            got.addAll(cb.drain(1000));
            assertEquals(n, got.size(), "each message reached b once: " + got.size());
            assertEquals(n, got.stream().map(r -> r.body().get("text")).distinct().count());
            assertEquals(2L * n, stored(new Document("sender", a)), "two copies of each, no more");
        }
    }

    @Test
    void malformedPublicationsAreDroppedAndTheNextGoodOneIsDelivered() throws Exception {
        String a = unique("a");
        String b = unique("b");
        try (Client ca = new Client(a, false); Client cb = new Client(b, false)) {
            String out = "apps/" + svc.appId + "/outgoing/users/" + a + "/messages/";
            ca.publish(out + b + "/outgoing", "not json");
            ca.publish(out + b + "/outgoing", "[1,2]");
            ca.publish(out + b + "/outgoing", "{\"text\": {\"$gt\": \"\"}}");
            ca.publish(out + b + "/outgoing", "{\"text\": \"x\", \"attributes\": \"not an object\"}");
            ca.publish(out + b + "/outgoing", "{\"text\": \"x\", \"channel_type\": \"broadcast\"}");
            ca.publish(out + "b$x/outgoing", "{\"text\": \"to an id that breaks routing keys\"}");
            ca.publish(out + "group-x/outgoing", "{\"text\": \"x\", \"group\": {\"members\": {\"" + b + "\": {\"$gt\": 1}}}}");
            ca.publish("apps/" + svc.appId + "/users/" + a + "/conversations/" + b + "/update", "{\"is_new\": \"no\"}");
            ca.publish("apps/" + svc.appId + "/users/" + a + "/messages/" + b + "/m1/update", "{\"status\": \"200\"}");
            ca.publish("apps/" + svc.appId + "/users/" + a + "/presence/" + ca.clientId, "{\"connected\": 1}");
            ca.send(b, "the good one", Map.of());

            cb.await(added("the good one"), "the good message after the bad ones");
            List<ServiceHarness.Received> rest = cb.drain(800);
            assertTrue(rest.isEmpty(), "nothing else reached b: " + rest);
            assertEquals(2, stored(new Document("text", "the good one")), "one message, two copies");
            assertEquals(2, svc.db.getCollection("messages").countDocuments(new Document("app_id", svc.appId)
                    .append("$or", List.of(new Document("timelineOf", a), new Document("timelineOf", b)))),
                    "nothing of the bad ones was stored");
            assertEquals(0, svc.db.getCollection("presence").countDocuments(new Document("user_id", a)));
            assertFalse(svc.db.getCollection("outbox").find(new Document("message.sender", a)
                    .append("message.text", new Document("$ne", "the good one"))).iterator().hasNext());
        }
    }
}
