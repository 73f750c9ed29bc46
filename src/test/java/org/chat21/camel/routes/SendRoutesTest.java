package org.chat21.camel.routes;

import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpConnectException;

import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * messages.yaml: send-message, enqueue and dispatch. The broker's side of dispatch (the two
 * spring-rabbitmq producers) is replaced: either it takes the job (mock:jobs) or it is down.
 */
class SendRoutesTest extends RouteTestSupport {
    /** Set by a test before its request: the broker refuses every delivery job. */
    private volatile boolean brokerDown;
    /** Set by a test before its request: what enqueue throws before it stores anything (null: nothing). */
    private volatile RuntimeException storeFailure;

    @Override
    protected void advise() throws Exception {
        AdviceWith.adviceWith(context, "dispatch", a -> a.weaveByToUri(RABBIT_PRODUCERS).replace()
                .process(e -> {
                    if (brokerDown) {
                        throw new AmqpConnectException(new ConnectException("test"));
                    }
                })
                .to("mock:jobs"));
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
    void aRefusedJobIsDiscardedAndAnswered503() throws Exception {
        brokerDown = true;
        MockEndpoint jobs = getMockEndpoint("mock:jobs");

        HttpResponse<String> response = send("alice", directMessage("bob", "hello"));

        assertEquals(503, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "message broker unavailable, try again"), json(response));
        assertEquals(0, jobs.getReceivedCounter());
        // the doCatch (onWhen outboxed) removed the stored message again: nothing half-written stays
        assertEquals(0, outboxCount(new Document("message.app_id", app)));
    }

    @Test
    void anAcceptedJobIsConfirmedAndReachesTheSentHook() throws Exception {
        MockEndpoint jobs = getMockEndpoint("mock:jobs");
        // fromCurrentRoute: a wireTap's copy keeps the from-route of the request, not the hook's
        NotifyBuilder sent = new NotifyBuilder(context).fromCurrentRoute("on-message-sent").whenDone(1).create();

        // not ASCII: the reply route writes UTF-8
        HttpResponse<String> response = send("alice", directMessage("bob", "héllo ✓ 你好"),
                "X-Secret-Header", "must-not-travel");

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

        // exactly one job (the publish is synchronous: the 200 came after it), as JSON of the message
        assertEquals(1, jobs.getReceivedCounter());
        Exchange job = jobs.getExchanges().get(0);
        Map<String, Object> jobMessage = Json.readMap(job.getMessage().getBody(byte[].class));
        assertEquals(messageId, jobMessage.get("message_id"));
        assertEquals("héllo ✓ 你好", jobMessage.get("text"));
        assertEquals(0, jobMessage.get("status"));
        // HTTP headers (the token, anything the client sent) do not travel as AMQP headers
        assertFalse(job.getMessage().getHeaders().containsKey("Authorization"), job.getMessage().getHeaders().toString());
        assertFalse(job.getMessage().getHeaders().containsKey("X-Secret-Header"), job.getMessage().getHeaders().toString());

        // the outbox entry stays until delivery; its confirmed state comes with the next bookkeeping batch
        await("outbox entry confirmed", () -> {
            Document entry = outboxEntry(messageId);
            return entry != null && "confirmed".equals(entry.get("state"));
        });
        assertEquals(app, outboxEntry(messageId).get("message", Document.class).get("app_id"));

        assertTrue(sent.matches(5, TimeUnit.SECONDS), "on-message-sent was not reached");
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyGetsTheOriginalAndIsNotSentAgain() throws Exception {
        MockEndpoint jobs = getMockEndpoint("mock:jobs");
        String body = directMessage("bob", "once");

        HttpResponse<String> first = send("alice", body, "Idempotency-Key", "key-1");
        HttpResponse<String> retry = send("alice", body, "Idempotency-Key", "key-1");

        assertEquals(200, first.statusCode(), first.body());
        assertEquals(200, retry.statusCode(), retry.body());
        String id = messageId(first);
        assertEquals(id, messageId(retry));
        assertEquals(expectedKeyedId("alice", "key-1"), id);
        assertEquals(1, jobs.getReceivedCounter());
        // keyed: confirmed at once, not in the next batch, so that a retry sees it
        assertEquals("confirmed", outboxEntry(id).get("state"));
        assertEquals(1, outboxCount(new Document("message.app_id", app)));
    }

    @Test
    void aRequestRefusedBeforeItIsStoredSendsNothing() throws Exception {
        MockEndpoint jobs = getMockEndpoint("mock:jobs");

        HttpResponse<String> response = send("alice", directMessage("a.b", "hello"));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "invalid recipient_id"), json(response));
        assertEquals(0, jobs.getReceivedCounter());
        assertEquals(0, outboxCount(new Document("message.app_id", app)));
    }

    /**
     * A refusal of the store itself, inside send-message's doTry (409: the original request with this key
     * still waits for the broker): the doCatch's onWhen (outboxed) is false, so the original's entry is
     * not discarded and nothing is sent. (What the client gets is {@link #aStoreRefusalInsideTheTryIsAnswered409}.)
     */
    @Test
    void aStoreRefusalInsideTheTryIsNotDiscarded() throws Exception {
        MockEndpoint jobs = getMockEndpoint("mock:jobs");
        String id = inFlight("in-flight");

        HttpResponse<String> response = send("alice", directMessage("bob", "again"), "Idempotency-Key", "in-flight");

        assertNotEquals(200, response.statusCode(), response.body());
        assertEquals(0, jobs.getReceivedCounter());
        Document entry = outboxEntry(id);
        assertNotNull(entry, "the original's outbox entry was discarded");
        assertEquals("pending", entry.get("state"));
        assertEquals(1, outboxCount(new Document("message.app_id", app)));
    }

    /**
     * An exception of enqueue that send-message's doCatch does not take (onWhen false) reaches the API
     * error mapping: the ApiException's own status and JSON. (Regression: while enqueue's route
     * configuration had an error handler of its own, the failure came back marked exhausted, the caller's
     * mapping never ran, and platform-http answered 500, empty, echoing the request headers.)
     */
    @Test
    void aStoreRefusalInsideTheTryIsAnswered409() throws Exception {
        inFlight("in-flight-2");

        HttpResponse<String> response = send("alice", directMessage("bob", "again"), "Idempotency-Key", "in-flight-2");

        assertEquals(409, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "a request with this Idempotency-Key is in progress, retry later"),
                json(response));
        assertTrue(response.headers().firstValue("Authorization").isEmpty(), "the token is echoed back");
    }

    /**
     * The store cannot be reached when the message is to be stored: policies.yaml maps
     * MongoTimeoutException to 503 {"err": "service temporarily unavailable, try again"} (the same
     * regression as above).
     */
    @Test
    void anUnreachableStoreIsAnswered503() throws Exception {
        storeFailure = new com.mongodb.MongoTimeoutException("test");
        MockEndpoint jobs = getMockEndpoint("mock:jobs");

        HttpResponse<String> response = send("alice", directMessage("bob", "hello"));

        assertEquals(503, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "service temporarily unavailable, try again"), json(response));
        assertTrue(response.headers().firstValue("Authorization").isEmpty(), "the token is echoed back");
        assertEquals(0, jobs.getReceivedCounter());
    }

    /** An outbox entry still waiting for the broker, as the original request with this key left it. */
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
