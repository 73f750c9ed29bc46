package org.chat21.camel.routes;

import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpConnectException;

import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * messages.yaml: send-message and enqueue, then this process's delivery (the delivery queue and
 * deliver-batch) with the timeline publish replaced: either the broker takes it (mock:published) or it
 * is down.
 */
class SendRoutesTest extends RouteTestSupport {
    /** Set by a test before its request: the broker refuses every publish. */
    private volatile boolean brokerDown;
    /** Set by a test before its request: what enqueue throws before it stores anything (null: nothing). */
    private volatile RuntimeException storeFailure;

    @Override
    protected void advise() throws Exception {
        AdviceWith.adviceWith(context, "deliver-batch", a -> a.weaveByToString(DeliveryRoutesTest.TIMELINE_PUBLISH)
                .replace()
                .process(e -> {
                    if (brokerDown) {
                        throw new AmqpConnectException(new ConnectException("test"));
                    }
                })
                .to("mock:published"));
        AdviceWith.adviceWith(context, "enqueue", a -> a.weaveAddFirst().process(e -> {
            if (storeFailure != null) {
                throw storeFailure;
            }
        }));
    }

    private HttpResponse<String> send(String from, String body, String... headers) {
        return http("POST", "/api/" + app + "/messages", user(from), body, headers);
    }

    @Test
    void aMessageIsAnsweredOnceStoredThenDeliveredByThisProcess() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        // fromCurrentRoute: a wireTap's copy keeps the from-route of the request, not the hook's
        NotifyBuilder sent = new NotifyBuilder(context).fromCurrentRoute("on-message-sent").whenDone(1).create();

        // not ASCII: the reply route writes UTF-8
        HttpResponse<String> response = send("alice", directMessage("bob", "héllo ✓ 你好"));

        assertEquals(200, response.statusCode(), response.body());
        Map<String, Object> reply = json(response);
        assertEquals(true, reply.get("success"));
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) reply.get("result");
        String messageId = (String) result.get("message_id");
        assertNotNull(messageId);
        assertEquals("alice", result.get("sender"));
        assertEquals("bob", result.get("recipient"));
        assertEquals("direct", result.get("channel_type"));
        assertEquals("héllo ✓ 你好", result.get("text"));

        // delivered after the answer: both copies in one publish, and the outbox entry let go
        await("delivered", () -> published.getReceivedCounter() == 1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> copies = published.getExchanges().get(0).getVariable("copies", List.class);
        assertEquals(2, copies.size());
        assertEquals(messageId, copies.get(0).get("message_id"));
        assertEquals("héllo ✓ 你好", copies.get(1).get("text"));
        assertEquals(2, db.getCollection("messages").countDocuments(new Document("message_id", messageId)));
        await("outbox entry gone", () -> outboxEntry(messageId) == null);
        assertTrue(sent.matches(5, TimeUnit.SECONDS), "on-message-sent was not reached");
    }

    @Test
    void aMessageAcceptedWhileTheBrokerIsDownStaysInTheOutboxForTheRelay() throws Exception {
        brokerDown = true;

        HttpResponse<String> response = send("alice", directMessage("bob", "later"));

        // stored is accepted: the broker is not on the request's path
        assertEquals(200, response.statusCode(), response.body());
        String id = messageId(response);
        Thread.sleep(300);
        Document entry = outboxEntry(id);
        assertNotNull(entry, "an accepted message left the outbox undelivered");
        assertEquals("pending", entry.get("state"));
        assertEquals(0, getMockEndpoint("mock:published").getReceivedCounter());
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyGetsTheOriginalAndIsNotSentAgain() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        String body = directMessage("bob", "once");

        HttpResponse<String> first = send("alice", body, "Idempotency-Key", "key-1");
        await("delivered", () -> published.getReceivedCounter() == 1);
        HttpResponse<String> retry = send("alice", body, "Idempotency-Key", "key-1");

        assertEquals(200, first.statusCode(), first.body());
        assertEquals(200, retry.statusCode(), retry.body());
        String id = messageId(first);
        assertEquals(id, messageId(retry));
        assertEquals(expectedKeyedId("alice", "key-1"), id);
        Thread.sleep(200);
        assertEquals(1, published.getReceivedCounter());
        assertEquals(2, db.getCollection("messages").countDocuments(new Document("message_id", id)));
    }

    /** A retry while the original is stored but not delivered yet gets the original at once (no 409). */
    @Test
    void aRetryWhileTheOriginalWaitsForDeliveryGetsTheOriginal() throws Exception {
        String id = inFlight("in-flight");

        HttpResponse<String> response = send("alice", directMessage("bob", "again"), "Idempotency-Key", "in-flight");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(id, messageId(response));
        assertEquals("pending", outboxEntry(id).get("state"), "left to whoever stored it, or to the relay");
        assertEquals(1, outboxCount(new Document("message.app_id", app)));
        assertTrue(response.headers().firstValue("Authorization").isEmpty(), "the token is echoed back");
    }

    @Test
    void aRequestRefusedBeforeItIsStoredSendsNothing() throws Exception {
        HttpResponse<String> response = send("alice", directMessage("a.b", "hello"));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "invalid recipient_id"), json(response));
        assertEquals(0, outboxCount(new Document("message.app_id", app)));
        Thread.sleep(200);
        assertEquals(0, getMockEndpoint("mock:published").getReceivedCounter());
    }

    /**
     * The store cannot be reached when the message is to be stored: policies.yaml maps
     * MongoTimeoutException to 503 {"err": "service temporarily unavailable, try again"}. (Regression:
     * while enqueue's route configuration had an error handler of its own, the failure came back marked
     * exhausted, the caller's mapping never ran, and platform-http answered 500, empty, echoing the headers.)
     */
    @Test
    void anUnreachableStoreIsAnswered503() throws Exception {
        storeFailure = new com.mongodb.MongoTimeoutException("test");

        HttpResponse<String> response = send("alice", directMessage("bob", "hello"));

        assertEquals(503, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "service temporarily unavailable, try again"), json(response));
        assertTrue(response.headers().firstValue("Authorization").isEmpty(), "the token is echoed back");
        assertEquals(0, outboxCount(new Document("message.app_id", app)));
    }

    /** An outbox entry not delivered yet, as the original request with this key left it. */
    private String inFlight(String key) {
        String id = expectedKeyedId("alice", key);
        long now = System.currentTimeMillis();
        db.getCollection("outbox").insertOne(new Document("_id", id).append("state", "pending")
                .append("channel_type", "direct")
                .append("message", new Document("message_id", id).append("app_id", app).append("sender", "alice")
                        .append("recipient", "bob").append("channel_type", "direct"))
                .append("created_at", now).append("updated_at", now));
        return id;
    }

    private String expectedKeyedId(String sender, String key) {
        return UUID.nameUUIDFromBytes((app + '\n' + sender + '\n' + key).getBytes(StandardCharsets.UTF_8)).toString();
    }

    @SuppressWarnings("unchecked")
    private static String messageId(HttpResponse<String> response) {
        return (String) ((Map<String, Object>) json(response).get("result")).get("message_id");
    }
}
