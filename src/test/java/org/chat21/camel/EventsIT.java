package org.chat21.camel;

import org.apache.camel.main.Main;
import org.chat21.camel.common.Json;
import org.chat21.camel.events.EventStreams;
import org.chat21.camel.events.TimelineEvent;
import org.chat21.camel.infra.EmbeddedBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /api/{app}/{user}/events: the user's timeline as server-sent events, against the real RabbitMQ (and,
 * once, the embedded broker): what a stream gets and does not get, who may open one, resuming by
 * Last-Event-ID, keep-alives, a reader that does not read, the caps, and the service's stop.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventsIT {
    static ServiceHarness svc;
    static String app;

    @BeforeAll
    static void start() throws Exception {
        svc = new ServiceHarness(Map.of("chat21.events.keep-alive-ms", "400", "chat21.events.buffer", "20",
                "chat21.events.max-streams-per-user", "3", "chat21.events.max-streams", "6",
                "chat21.events.replay-page", "2"), null);
        app = svc.appId;
    }

    @AfterAll
    static void stop() throws Exception {
        if (svc != null) {
            svc.close();
        }
    }

    static String url(String user, String query) {
        return svc.base() + "/api/" + app + "/" + user + "/events" + (query == null ? "" : "?" + query);
    }

    /** A stream of {@code user} (token in the header), once it is subscribed (its first block came). */
    static SseClient stream(String user, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "JWT " + svc.user(user);
        System.arraycopy(headers, 0, all, 2, headers.length);
        SseClient client = SseClient.open(url(user, null), all);
        assertEquals(200, client.status());
        assertEquals("text/event-stream; charset=utf-8", client.response.headers().firstValue("Content-Type").orElse(""));
        SseClient.Event first = client.next(10_000);
        assertNotNull(first, "the stream's first block");
        assertNotNull(first.id(), "the first block gives the start position");
        return client;
    }

    static String send(String from, String to, String text) {
        var r = svc.sendText(from, to, text);
        assertEquals(200, r.statusCode(), r.body());
        return (String) DeliveryIT.result(r).get("message_id");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> payload(SseClient.Event event) {
        return (Map<String, Object>) Json.readMap(event.data()).get("payload");
    }

    static String topic(SseClient.Event event) {
        return (String) Json.readMap(event.data()).get("topic");
    }

    @Test
    @Order(1)
    void aStreamGetsItsUsersTimelineAndNoOneElses() throws Exception {
        try (SseClient bob = stream("bob"); SseClient carol = stream("carol")) {
            String id = send("alice", "bob", "hello bob");
            SseClient.Event event = bob.nextData(10_000);
            assertNotNull(event, "bob's stream got the message");
            assertEquals("clientadded", event.name());
            assertEquals("apps." + app + ".users.bob.messages.alice.clientadded", topic(event));
            Map<String, Object> copy = payload(event);
            assertEquals(id, copy.get("message_id"));
            assertEquals("hello bob", copy.get("text"));
            assertEquals("bob", copy.get("timelineOf"));
            assertEquals(copy.get("timestamp") + "-" + id, event.id(), "a copy's event id is its place in the store");

            // carol's stream: the first thing it gets is carol's own message, not bob's
            String toCarol = send("alice", "carol", "hello carol");
            SseClient.Event hers = carol.nextData(10_000);
            assertNotNull(hers, "carol's stream got her message");
            assertEquals(toCarol, payload(hers).get("message_id"));
            assertEquals("apps." + app + ".users.carol.messages.alice.clientadded", topic(hers));
        }
    }

    @Test
    @Order(2)
    void onlyThatUserOrAnAdminWithJsonRefusals() throws Exception {
        SseClient noToken = SseClient.open(url("bob", null));
        assertEquals(401, noToken.status());
        assertEquals(false, Json.readMap(noToken.body()).get("success"));

        SseClient wrongUser = SseClient.open(url("bob", "jwt=" + svc.user("carol")));
        assertEquals(403, wrongUser.status());
        Map<String, Object> refusal = Json.readMap(wrongUser.body());
        assertEquals(false, refusal.get("success"));
        assertNotNull(refusal.get("err"));

        SseClient otherApp = SseClient.open(url("bob", "token=" + TestTokens.user("bob", "another" + app)));
        assertEquals(403, otherApp.status());
        otherApp.body();

        SseClient badId = SseClient.open(url("bob", "jwt=" + svc.user("bob")), "Last-Event-ID", "0-x'; drop");
        assertEquals(400, badId.status());
        assertEquals(false, Json.readMap(badId.body()).get("success"));

        // an id that would widen the binding key (apps.<app>.users.*.#) is refused, even to an admin
        SseClient wildcard = SseClient.open(url("*", "jwt=" + TestTokens.admin("ops", app)));
        assertEquals(400, wildcard.status());
        assertEquals(false, Json.readMap(wildcard.body()).get("success"));

        // the token in the query (browsers' EventSource sends no headers), and an admin of the app
        try (SseClient own = SseClient.open(url("bob", "jwt=" + svc.user("bob")));
             SseClient admin = SseClient.open(url("bob", "jwt=" + TestTokens.admin("ops", app)))) {
            assertEquals(200, own.status());
            assertEquals(200, admin.status());
        }
    }

    @Test
    @Order(3)
    void resumingByLastEventIdMissesNothingAndRepeatsNothing() throws Exception {
        String lastId;
        try (SseClient dan = stream("dan")) {
            String first = send("alice", "dan", "one");
            SseClient.Event e = dan.nextData(10_000);
            assertNotNull(e);
            assertEquals(first, payload(e).get("message_id"));
            lastId = e.id();
        }
        // away: three messages (more than a replay page of 2), stored before the client comes back
        List<String> missed = new ArrayList<>();
        for (String text : List.of("two", "three", "four")) {
            missed.add(send("alice", "dan", text));
        }
        waitUntil(() -> svc.db.getCollection("messages").countDocuments(new org.bson.Document("timelineOf", "dan")) == 4,
                10_000, "the copies stored");
        try (SseClient dan = stream("dan", "Last-Event-ID", lastId)) {
            List<String> got = new ArrayList<>();
            List<TimelineEvent.Position> order = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                SseClient.Event e = dan.nextData(10_000);
                assertNotNull(e, "replayed " + i);
                got.add((String) payload(e).get("message_id"));
                order.add(TimelineEvent.parsePosition(e.id()));
            }
            assertEquals(new java.util.HashSet<>(missed), new java.util.HashSet<>(got), "exactly the missed ones");
            assertEquals(3, new java.util.HashSet<>(got).size(), "each once");
            assertTrue(order.get(1).after(order.get(0)) && order.get(2).after(order.get(1)), "in store order: " + order);
            String live = send("alice", "dan", "five");
            SseClient.Event next = dan.nextData(10_000);
            assertNotNull(next);
            assertEquals(live, payload(next).get("message_id"), "then live, with no repeat in between");
            lastId = next.id();
        }
        // the query parameter does the same for clients that cannot set the header: nothing after the last
        String after = send("alice", "dan", "six");
        try (SseClient dan = SseClient.open(url("dan", "last_event_id=" + lastId), "Authorization", "JWT " + svc.user("dan"))) {
            assertEquals(200, dan.status());
            SseClient.Event e = dan.nextData(10_000);
            assertNotNull(e);
            assertEquals(after, payload(e).get("message_id"));
        }
    }

    @Test
    @Order(4)
    void keepAlivesComeOnAQuietStream() throws Exception {
        try (SseClient erin = stream("erin")) {
            SseClient.Event e = erin.next(10_000);
            assertNotNull(e, "something within 10 s (keep-alive every 400 ms)");
            assertEquals("keep-alive", e.comment());
        }
    }

    @Test
    @Order(5)
    void aReaderThatDoesNotReadHurtsNoOtherAndIsCut() throws Exception {
        EventStreams streams = svc.main.getCamelContext().getRegistry().lookupByNameAndType("eventStreams", EventStreams.class);
        try (Socket stalled = new Socket(); SseClient reader = stream("fay")) {
            // a client that asks and never reads, with a tiny receive window
            stalled.setReceiveBufferSize(2048);
            stalled.connect(new InetSocketAddress("127.0.0.1", svc.port), 5_000);
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /api/" + app + "/fay/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: JWT "
                    + svc.user("fay") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            waitUntil(() -> streams.openStreams() == 2, 10_000, "both streams open");
            // until the stalled stream is cut: more than the socket buffers (a few MB), Vert.x's write queue and
            // the stream's buffer (20 events) hold
            String big = "x".repeat(200_000);
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 40 || (i < 200 && streams.openStreams() == 2); i++) {
                sent.add(send("alice", "fay", big + i));
            }
            // every one, once (two delivery workers may publish them in another order than they were sent)
            List<String> got = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                SseClient.Event e = reader.nextData(20_000);
                assertNotNull(e, "the reading client got every message (" + i + " so far)");
                got.add((String) payload(e).get("message_id"));
            }
            assertEquals(new java.util.HashSet<>(sent), new java.util.HashSet<>(got));
            assertEquals(sent.size(), new java.util.HashSet<>(got).size());
            // the stalled one was closed (bounded), not fed forever: its connection ends once drained
            waitUntil(() -> streams.openStreams() == 1, 20_000, "the stalled stream closed");
            stalled.setSoTimeout(20_000);
            InputStream in = stalled.getInputStream();
            byte[] chunk = new byte[65536];
            while (in.read(chunk) >= 0) {
                // drain to the end the server put there
            }
        }
    }

    @Test
    @Order(6)
    void streamsAreCappedPerUserAndInAll() throws Exception {
        EventStreams streams = svc.main.getCamelContext().getRegistry().lookupByNameAndType("eventStreams", EventStreams.class);
        waitUntil(() -> streams.openStreams() == 0, 10_000, "the earlier tests' streams let go");
        List<SseClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(stream("gus"));
            }
            SseClient fourth = SseClient.open(url("gus", "jwt=" + svc.user("gus")));
            assertEquals(429, fourth.status());
            assertTrue(fourth.response.headers().firstValue("Retry-After").isPresent());
            assertEquals(false, Json.readMap(fourth.body()).get("success"));
            for (String user : List.of("ida", "jon", "kim")) {
                open.add(stream(user));
            }
            SseClient seventh = SseClient.open(url("lou", "jwt=" + svc.user("lou")));
            assertEquals(503, seventh.status(), "six streams in all");
            assertTrue(seventh.response.headers().firstValue("Retry-After").isPresent());
            assertEquals(false, Json.readMap(seventh.body()).get("success"));
        } finally {
            for (SseClient c : open) {
                c.close();
            }
        }
        waitUntil(() -> streams.openStreams() == 0, 10_000, "closed streams are let go");
        try (SseClient again = stream("gus")) {
            assertEquals(200, again.status());
        }
    }

    @Test
    @Order(7)
    void inEmbeddedModeToo(@TempDir Path dataDir) throws Exception {
        int port = EmbeddedBroker.freePort();
        Main main = Application.create(Map.of("chat21.mongodb.uri", "", "chat21.rabbitmq.uri", "",
                "chat21.embedded.data-dir", dataDir.toString(), "camel.server.port", String.valueOf(port),
                "camel.server.host", "127.0.0.1", "camel.management.port", String.valueOf(EmbeddedBroker.freePort())));
        main.start();
        try {
            String base = "http://127.0.0.1:" + port;
            waitUntil(() -> svc.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/")).build())
                    .statusCode() == 200, 30_000, "embedded service up");
            try (SseClient bob = SseClient.open(base + "/api/tilechat/bob/events?jwt=" + TestTokens.user("bob", "tilechat"))) {
                assertEquals(200, bob.status());
                assertNotNull(bob.next(10_000), "subscribed");
                var sent = svc.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/tilechat/messages"))
                        .header("Authorization", "JWT " + TestTokens.user("alice", "tilechat"))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Json.write(Map.of("sender_fullname", "A",
                                "recipient_id", "bob", "recipient_fullname", "B", "text", "embedded")))).build());
                assertEquals(200, sent.statusCode(), sent.body());
                SseClient.Event e = bob.nextData(10_000);
                assertNotNull(e, "the embedded broker's publication came");
                assertEquals("embedded", payload(e).get("text"));
            }
        } finally {
            main.stop();
        }
    }

    @Test
    @Order(8)
    void theServiceStopClosesOpenStreams() throws Exception {
        SseClient hal = stream("hal");
        svc.main.stop();
        long deadline = System.currentTimeMillis() + 20_000;
        SseClient.Event e;
        do {
            e = hal.next(Math.max(1, deadline - System.currentTimeMillis()));
        } while (e != null && e != SseClient.END);
        assertSame(SseClient.END, e, "the stream ended when the service stopped");
    }
}
