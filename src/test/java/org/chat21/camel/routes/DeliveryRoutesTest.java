package org.chat21.camel.routes;

import com.mongodb.MongoTimeoutException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.DeliveryFailedException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * delivery.yaml (the delivery-consumer template, driven through direct: in place of its AMQP consumers)
 * and the "delivery" route configuration of policies.yaml: requeue, drop, or park.
 */
class DeliveryRoutesTest extends RouteTestSupport {
    static final String COPY_WRITE = "Bean[ref:copyStore method:write(${variable.copies}, ${variable.message})]";
    static final String TIMELINE_PUBLISH = "Bean[ref:timelines method:publish(${variable.copies})]";

    /** Set by a test before its job: what the copy write throws instead of writing (null: it writes). */
    private volatile RuntimeException writeFailure;
    /** Set by a test: the on-message-delivered hook is slow (ms) and then fails. */
    private volatile long hookStallMs;

    @Override
    protected void extraProperties(Properties p) {
        // a job is parked at its second failure: the dead-letter test stays short
        p.put("chat21.delivery.attempts", "2");
    }

    @Override
    protected void advise() throws Exception {
        AdviceWith.adviceWith(context, "deliver", a -> {
            a.weaveByToString(COPY_WRITE).before().process(e -> {
                if (writeFailure != null) {
                    throw writeFailure;
                }
            });
            a.weaveByToString(TIMELINE_PUBLISH).replace().to("mock:published");
        });
        AdviceWith.adviceWith(context, "on-message-delivered", a -> {
            a.weaveAddFirst().process(e -> {
                if (hookStallMs > 0) {
                    Thread.sleep(hookStallMs);
                    throw new IllegalStateException("test: a hook that fails");
                }
            });
            a.weaveAddLast().to("mock:delivered");
        });
    }

    private Map<String, Object> message(String sender, String recipient, String channelType) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message_id", UUID.randomUUID().toString());
        m.put("app_id", app);
        m.put("sender", sender);
        m.put("sender_fullname", sender + " Name");
        m.put("recipient", recipient);
        m.put("recipient_fullname", recipient + " Name");
        m.put("text", "hello");
        m.put("type", "text");
        m.put("channel_type", channelType);
        m.put("status", 0);
        m.put("timestamp", System.currentTimeMillis());
        return m;
    }

    /** The outbox entry of a message whose delivery job the broker confirmed. */
    private void outboxed(Map<String, Object> message) {
        long now = System.currentTimeMillis();
        db.getCollection("outbox").insertOne(new Document("_id", message.get("message_id")).append("state", "confirmed")
                .append("channel_type", message.get("channel_type")).append("message", new Document(message))
                .append("created_at", now).append("updated_at", now));
    }

    private Exchange deliver(String consumer, byte[] job) {
        return template.send("direct:" + consumer, e -> e.getIn().setBody(job));
    }

    private Exchange deliver(String consumer, Map<String, Object> message) {
        return deliver(consumer, Json.writeBytes(message));
    }

    private List<Document> copies(Object messageId) {
        return db.getCollection("messages").find(new Document("message_id", messageId)).into(new java.util.ArrayList<>());
    }

    private long storedFor(String appId) {
        return db.getCollection("messages").countDocuments(new Document("app_id", appId))
                + db.getCollection("conversations").countDocuments(new Document("app_id", appId));
    }

    @Test
    void aDirectJobWritesBothCopiesPublishesOnceAndLetsTheOutboxEntryGo() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        MockEndpoint delivered = getMockEndpoint("mock:delivered");
        delivered.expectedMessageCount(1);
        Map<String, Object> message = message("alice", "bob", "direct");
        outboxed(message);

        Exchange done = deliver("deliver-direct", message);

        assertNull(done.getException());
        List<Document> copies = copies(message.get("message_id"));
        assertEquals(2, copies.size());
        Map<Object, Object> statusByTimeline = copies.stream()
                .collect(Collectors.toMap(d -> d.get("timelineOf"), d -> d.get("status")));
        assertEquals(Map.of("alice", 100, "bob", 150), statusByTimeline);
        List<Document> conversations = db.getCollection("conversations").find(new Document("app_id", app))
                .into(new java.util.ArrayList<>());
        assertEquals(Set.of("alice>bob", "bob>alice"), conversations.stream()
                .map(c -> c.get("timelineOf") + ">" + c.get("conversWith")).collect(Collectors.toSet()));

        // every copy in one publish
        assertEquals(1, published.getReceivedCounter());
        assertEquals(2, published.getExchanges().get(0).getVariable("copies", List.class).size());

        await("outbox entry removed", () -> outboxEntry((String) message.get("message_id")) == null);

        delivered.assertIsSatisfied(5000);
        Exchange hook = delivered.getExchanges().get(0);
        List<?> body = hook.getMessage().getBody(List.class);
        assertNotNull(body);
        assertEquals(2, body.size());
        @SuppressWarnings("unchecked")
        Map<String, Object> hookMessage = hook.getVariable("message", Map.class);
        assertNotNull(hookMessage, "hooks.yaml promises variable message on on-message-delivered");
        assertEquals(message.get("message_id"), hookMessage.get("message_id"));
    }

    /** hooks.yaml: a hook runs on its own thread after the work, so a slow or failing one neither delays nor fails delivery. */
    @Test
    void aSlowFailingHookNeitherDelaysNorFailsDelivery() throws Exception {
        hookStallMs = 3000;
        NotifyBuilder hookDone = new NotifyBuilder(context).fromCurrentRoute("on-message-delivered").whenDone(1).create();
        Map<String, Object> message = message("alice", "bob", "direct");
        outboxed(message);

        long start = System.nanoTime();
        Exchange done = deliver("deliver-direct", message);
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertNull(done.getException(), "the job must be acknowledged");
        assertTrue(tookMs < 2000, "delivery waited for the hook: " + tookMs + " ms");
        assertEquals(4, storedFor(app), "two copies and two conversations");
        assertEquals(1, getMockEndpoint("mock:published").getReceivedCounter());
        assertTrue(hookDone.matches(10, TimeUnit.SECONDS), "the hook did not run");
        assertEquals(0, getMockEndpoint("mock:delivered").getReceivedCounter(), "the hook failed before its end");
        await("outbox entry gone", () -> outboxEntry((String) message.get("message_id")) == null);
    }

    @Test
    void aJobWhoseOutboxEntryIsGoneChangesNothing() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        Map<String, Object> message = message("alice", "bob", "direct");

        Exchange done = deliver("deliver-direct", message);

        assertNull(done.getException(), "the job must be acknowledged");
        assertEquals(0, copies(message.get("message_id")).size());
        assertEquals(0, storedFor(app));
        assertEquals(0, published.getReceivedCounter());
    }

    @Test
    void aJobParkedInTheOutboxIsNotDeliveredAgain() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        Map<String, Object> message = message("alice", "bob", "direct");
        outboxed(message);
        db.getCollection("outbox").updateOne(new Document("_id", message.get("message_id")),
                new Document("$set", new Document("state", "dead")));

        Exchange done = deliver("deliver-direct", message);

        assertNull(done.getException());
        assertEquals(0, storedFor(app));
        assertEquals(0, published.getReceivedCounter());
        assertEquals("dead", outboxEntry((String) message.get("message_id")).get("state"));
    }

    @Test
    void malformedJobsAreDroppedAndAcknowledged() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        Map<String, Object> unroutable = message("alice", "a.b", "direct");
        outboxed(unroutable);

        Exchange notJson = deliver("deliver-direct", "not json".getBytes(StandardCharsets.UTF_8));
        Exchange badRecipient = deliver("deliver-direct", unroutable);

        assertNull(notJson.getException(), String.valueOf(notJson.getException()));
        assertNull(badRecipient.getException(), String.valueOf(badRecipient.getException()));
        assertEquals(0, storedFor(app));
        assertEquals(0, published.getReceivedCounter());
        // dropped, not parked: the job never got as far as its outbox entry
        assertEquals("confirmed", outboxEntry((String) unroutable.get("message_id")).get("state"));
    }

    @Test
    void aJobThatKeepsFailingIsParkedAsDead() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        writeFailure = new IllegalStateException("test: copies cannot be written");
        Map<String, Object> message = message("alice", "bob", "direct");
        outboxed(message);

        // the first failure is counted and the job goes back to its queue (the exchange fails)
        Exchange first = deliver("deliver-direct", message);
        assertInstanceOf(DeliveryFailedException.class, first.getException());
        Document counted = outboxEntry((String) message.get("message_id"));
        assertEquals("confirmed", counted.get("state"));
        assertEquals(1, counted.get("attempts"));

        // the second one parks it, and the job is acknowledged
        Exchange done = deliver("deliver-direct", message);

        assertNull(done.getException(), "a parked job must be acknowledged");
        Document entry = outboxEntry((String) message.get("message_id"));
        assertNotNull(entry);
        assertEquals("dead", entry.get("state"));
        assertEquals(2, entry.get("attempts"));
        assertTrue(String.valueOf(entry.get("error")).contains("IllegalStateException"), String.valueOf(entry.get("error")));
        assertEquals(0, published.getReceivedCounter());
        assertEquals(0, storedFor(app));
    }

    @Test
    void aDependencyFailureSendsTheJobBackToItsQueue() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        writeFailure = new MongoTimeoutException("test");
        Map<String, Object> message = message("alice", "bob", "direct");
        outboxed(message);

        Exchange done = deliver("deliver-direct", message);

        // not handled: the listener container requeues the job
        assertInstanceOf(MongoTimeoutException.class, done.getException());
        Document entry = outboxEntry((String) message.get("message_id"));
        assertNotNull(entry);
        assertEquals("confirmed", entry.get("state"));
        assertNull(entry.get("error"));
        assertEquals(0, published.getReceivedCounter());
    }

    @Test
    void aGroupJobReachesEveryMemberAndTheGroupTimeline() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        String groupId = "group-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        db.getCollection("groups").insertOne(new Document("uid", groupId).append("appId", app).append("name", "Team")
                .append("owner", "a").append("members", new Document("a", 1).append("b", 1).append("c", 1))
                .append("createdOn", now).append("updatedOn", now));
        Map<String, Object> message = message("a", groupId, "group");
        outboxed(message);

        Exchange done = deliver("deliver-group", message);

        assertNull(done.getException());
        Map<Object, Object> statusByTimeline = copies(message.get("message_id")).stream()
                .collect(Collectors.toMap(d -> d.get("timelineOf"), d -> d.get("status")));
        assertEquals(Map.of("a", 150, "b", 150, "c", 150, groupId, 100), statusByTimeline);
        assertEquals(1, published.getReceivedCounter());
        assertEquals(4, published.getExchanges().get(0).getVariable("copies", List.class).size());
        await("outbox entry removed", () -> outboxEntry((String) message.get("message_id")) == null);
    }
}
