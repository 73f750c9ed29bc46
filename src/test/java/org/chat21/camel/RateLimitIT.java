package org.chat21.camel;

import com.mongodb.client.model.Filters;
import org.bson.conversions.Bson;
import org.chat21.camel.common.Json;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate limits against the running service (docs/operations.md "Rate limits"): 429 with Retry-After and RateLimit-*
 * headers for sends and group changes, nothing written for a refusal, per user and per app; an MQTT client
 * that floods has its publications dropped while another client's keep flowing.
 */
@RequiresRabbitMQ(webMqtt = true)
class RateLimitIT {
    static ServiceHarness svc;

    @BeforeAll
    static void start() throws Exception {
        svc = new ServiceHarness(Map.of(
                // per user: 3 at once, then 1 a second
                "chat21.ratelimit.sends-per-second", "1",
                "chat21.ratelimit.sends-burst", "3",
                // per app: 9 at once, then one every 50 s (so none comes back while the test runs)
                "chat21.ratelimit.app-sends-per-second", "0.02",
                "chat21.ratelimit.app-sends-burst", "9",
                "chat21.ratelimit.group-changes-per-second", "0.02",
                "chat21.ratelimit.group-changes-burst", "2",
                "chat21.ratelimit.publications-per-second", "2",
                "chat21.ratelimit.publications-burst", "5"), null);
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
    }

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 6);
    }

    private static long stored(Bson filter) {
        return svc.db.getCollection("messages").countDocuments(Filters.and(Filters.eq("app_id", svc.appId), filter));
    }

    private static long outboxed(String text) {
        return svc.db.getCollection("outbox").countDocuments(Filters.eq("message.text", text));
    }

    private static long header(HttpResponse<String> r, String name) {
        String value = r.headers().firstValue(name).orElse(null);
        assertNotNull(value, name + " missing: " + r.headers().map());
        return Long.parseLong(value);
    }

    private static void assertRefused(HttpResponse<String> r, String errPart) {
        assertEquals(429, r.statusCode(), r.body());
        Map<String, Object> body = Json.readMap(r.body().getBytes(StandardCharsets.UTF_8));
        assertEquals(false, body.get("success"));
        assertTrue(String.valueOf(body.get("err")).contains(errPart), r.body());
        assertTrue(header(r, "Retry-After") >= 1);
        assertEquals(0, header(r, "RateLimit-Remaining"));
        assertTrue(header(r, "RateLimit-Reset") >= header(r, "Retry-After"), r.headers().map().toString());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    }

    @Test
    void sendsOverTheUsersLimitAre429AndNothingIsStoredOtherUsersGoOnUntilTheAppsLimit() throws Exception {
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = svc.sendText(alice, bob, "alice " + i);
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals(3, header(ok, "RateLimit-Limit"), "the user's bucket, nearer to empty than the app's");
            assertEquals(2 - i, header(ok, "RateLimit-Remaining"));
            assertTrue(header(ok, "RateLimit-Reset") >= 1);
            assertFalse(ok.headers().firstValue("Retry-After").isPresent());
        }
        HttpResponse<String> refused = svc.sendText(alice, bob, "alice refused");
        assertRefused(refused, "user");
        assertEquals(3, header(refused, "RateLimit-Limit"));
        assertRefused(svc.sendText(alice, bob, "alice refused"), "user");

        // another user of the app: a bucket of their own
        for (int i = 0; i < 3; i++) {
            assertEquals(200, svc.sendText(bob, alice, "bob " + i).statusCode());
        }

        // after Retry-After, alice may send again
        Thread.sleep(header(refused, "Retry-After") * 1000 + 200);
        assertEquals(200, svc.sendText(alice, bob, "alice again").statusCode());

        // the app's bucket (9) is now down to 2: carol, whose own bucket is full, is refused on the app's
        for (int i = 0; i < 2; i++) {
            assertEquals(200, svc.sendText(carol, bob, "carol " + i).statusCode());
        }
        HttpResponse<String> app = svc.sendText(carol, bob, "carol refused");
        assertRefused(app, "app");
        assertEquals(9, header(app, "RateLimit-Limit"));
        assertTrue(header(app, "Retry-After") > 30, "one token every 50 s: " + header(app, "Retry-After"));

        // what was accepted is delivered (two copies each); what was refused was never stored
        ServiceHarness.waitUntil(() -> stored(Filters.eq("text", "alice again")) == 2
                && stored(Filters.eq("text", "carol 1")) == 2, 15_000, "accepted messages delivered");
        assertEquals(2 * 3, stored(Filters.regex("text", "^alice \\d$")));
        assertEquals(2 * 3, stored(Filters.regex("text", "^bob \\d$")));
        Thread.sleep(500);
        assertEquals(0, stored(Filters.in("text", "alice refused", "carol refused")));
        assertEquals(0, outboxed("alice refused"));
        assertEquals(0, outboxed("carol refused"));
        assertTrue(metric("send") >= 3, "counted");
    }

    @Test
    void groupChangesOverTheLimitAre429AndChangeNothing() throws Exception {
        String owner = unique("owner");
        String member = unique("member");
        String id = unique("group-");
        String path = "/api/" + svc.appId + "/groups";
        HttpResponse<String> created = svc.post(path, svc.user(owner),
                Json.write(Map.of("group_id", id, "group_name", "First", "group_members", Map.of(member, 1))));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(2, header(created, "RateLimit-Limit"));
        assertEquals(1, header(created, "RateLimit-Remaining"));
        HttpResponse<String> renamed = svc.request("PUT", path + "/" + id, svc.user(owner),
                Json.write(Map.of("group_name", "Second")));
        assertEquals(200, renamed.statusCode(), renamed.body());
        assertEquals(0, header(renamed, "RateLimit-Remaining"));

        HttpResponse<String> refused = svc.request("PUT", path + "/" + id, svc.user(owner),
                Json.write(Map.of("group_name", "Third")));
        assertRefused(refused, "user");
        HttpResponse<String> create = svc.post(path, svc.user(owner),
                Json.write(Map.of("group_id", id + "x", "group_name", "Other", "group_members", Map.of(member, 1))));
        assertRefused(create, "user");

        HttpResponse<String> group = svc.get(path + "/" + id, svc.user(owner));
        assertEquals(200, group.statusCode());
        assertTrue(group.body().contains("\"Second\""), group.body());
        assertFalse(group.headers().firstValue("RateLimit-Limit").isPresent(), "reads are not limited");
        assertEquals(404, svc.get(path + "/" + id + "x", svc.user(owner)).statusCode(), "not created");
        assertTrue(metric("group-change") >= 2);
    }

    @Test
    void aFloodingMqttClientIsDroppedWhileAnotherClientsPublicationsFlow() throws Exception {
        String flooder = unique("flood");
        String calm = unique("calm");
        String peer = unique("peer");
        try (Publisher flood = new Publisher(flooder); Publisher other = new Publisher(calm)) {
            long start = System.nanoTime();
            int floodCount = 300;
            // within the calm client's own burst: what it sends must all arrive
            int calmCount = 4;
            for (int i = 0; i < floodCount; i++) {
                flood.send(peer, "flood " + i);
                if (i % 75 == 74) {
                    other.send(peer, "calm " + i / 75);
                }
            }
            // every publication of the calm client is delivered: the shared consumers were not held up
            ServiceHarness.waitUntil(() -> stored(Filters.and(Filters.eq("timelineOf", peer), Filters.eq("sender", calm)))
                    == calmCount, 30_000, "the calm client's messages delivered");
            Thread.sleep(1000);
            double seconds = (System.nanoTime() - start) / 1e9;
            long floodStored = stored(Filters.and(Filters.eq("timelineOf", peer), Filters.eq("sender", flooder)));
            // the burst, then 2 a second while the flood was consumed (at most until now), and a token of slack
            long bound = 5 + (long) Math.ceil(2 * seconds) + 1;
            System.out.printf("flood: %d of %d messages stored in %.1f s (at most %d)%n", floodStored, floodCount,
                    seconds, bound);
            assertTrue(floodStored >= 5, "the burst went through: " + floodStored);
            assertTrue(floodStored <= bound, floodStored + " of " + floodCount + " flood messages stored in "
                    + seconds + " s; at most " + bound);
            assertTrue(metric("publication") >= floodCount - bound, "dropped publications counted");

            // slowed, not banned: once its bucket has a token again, the flooder's next message goes through
            Thread.sleep(1000);
            flood.send(peer, "after the flood");
            ServiceHarness.waitUntil(() -> stored(Filters.eq("text", "after the flood")) == 2, 15_000,
                    "the flooder's message after a pause delivered");
        }
    }

    /** chat21_rate_limited_total{kind=...} from the management port. */
    private static double metric(String kind) {
        HttpResponse<String> r = svc.manage("/observe/metrics");
        assertEquals(200, r.statusCode());
        Matcher m = Pattern.compile("(?m)^chat21_rate_limited_total\\{[^}]*kind=\"" + Pattern.quote(kind)
                + "\"[^}]*\\} ([0-9.eE+-]+)$").matcher(r.body());
        assertTrue(m.find(), "no chat21_rate_limited_total for " + kind);
        return Double.parseDouble(m.group(1));
    }

    /** A Chat21 client over Web-MQTT (as MqttClientsIT.Client) that only publishes messages. */
    static final class Publisher implements AutoCloseable {
        final String user;
        final MqttAsyncClient mqtt;

        Publisher(String user) throws Exception {
            this.user = user;
            mqtt = new MqttAsyncClient(TestBroker.WEB_MQTT, UUID.randomUUID().toString(), new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setUserName("JWT");
            options.setPassword(TestTokens.mqttUser(user, svc.appId).toCharArray());
            options.setCleanSession(true);
            options.setConnectionTimeout(10);
            mqtt.connect(options).waitForCompletion(15_000);
        }

        void send(String recipient, String text) throws Exception {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("text", text);
            body.put("type", "text");
            body.put("recipient_fullname", recipient + " Name");
            body.put("sender_fullname", user + " Name");
            body.put("channel_type", "direct");
            mqtt.publish("apps/" + svc.appId + "/outgoing/users/" + user + "/messages/" + recipient + "/outgoing",
                    Json.write(body).getBytes(StandardCharsets.UTF_8), 1, false).waitForCompletion(10_000);
        }

        @Override
        public void close() throws Exception {
            if (mqtt.isConnected()) {
                mqtt.disconnect().waitForCompletion(5_000);
            }
            mqtt.close(true);
        }
    }
}
