package org.chat21.camel.routes;

import com.mongodb.MongoTimeoutException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.chat21.camel.common.WarmupApp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
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
 * delivery.yaml (deliver-batch, driven directly) and the relay of messages.yaml (driven through direct: in
 * place of its timer): a batch written and published once, a bad message left out, a dependency failure
 * leaving the batch to the relay, and the relay delivering or parking what was left.
 */
class DeliveryRoutesTest extends RouteTestSupport {
    static final String COPY_WRITE = "Bean[ref:copyStore method:writeAll(${variable.copies})]";
    static final String TIMELINE_PUBLISH = "Bean[ref:timelines method:publish(${variable.copies})]";

    /** Set by a test before its batch: what the copy write throws instead of writing (null: it writes). */
    private volatile RuntimeException writeFailure;
    /** Set by a test: the on-message-delivered hook is slow (ms) and then fails. */
    private volatile long hookStallMs;

    @Override
    protected void extraProperties(Properties p) {
        // the relay (driven by the tests) takes every entry, and parks one at its third claim
        p.put("chat21.relay.pending-after-ms", "0");
        p.put("chat21.delivery.attempts", "2");
    }

    @Override
    protected void advise() throws Exception {
        AdviceWith.adviceWith(context, "deliver-batch", a -> {
            a.weaveByToString(COPY_WRITE).before().process(e -> {
                if (writeFailure != null) {
                    throw writeFailure;
                }
            });
            a.weaveByToString(TIMELINE_PUBLISH).replace().to("mock:published");
        });
        // the relay waits while the broker is down: the test's broker is, its publishes being replaced
        AdviceWith.adviceWith(context, "outbox-relay", a -> {
            a.replaceFromWith("direct:relay");
            a.weaveByToString(GroupRoutesTest.BROKER_CHECK).replace().log("test: broker check skipped");
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

    /** The outbox entry of an accepted message. */
    private void outboxed(Map<String, Object> message) {
        long now = System.currentTimeMillis() - 10;
        db.getCollection("outbox").insertOne(new Document("_id", message.get("message_id")).append("state", "pending")
                .append("channel_type", message.get("channel_type")).append("message", new Document(message))
                .append("created_at", now).append("updated_at", now));
    }

    @SafeVarargs
    private Exchange deliver(Map<String, Object>... messages) {
        List<Map<String, Object>> batch = new ArrayList<>(List.of(messages));
        return template.send("direct:deliver-batch", e -> e.getIn().setBody(batch));
    }

    private List<Document> copies(Object messageId) {
        return db.getCollection("messages").find(new Document("message_id", messageId)).into(new ArrayList<>());
    }

    private long storedFor(String appId) {
        return db.getCollection("messages").countDocuments(new Document("app_id", appId))
                + db.getCollection("conversations").countDocuments(new Document("app_id", appId));
    }

    private String groupOf(String... members) {
        String groupId = "group-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        Document ids = new Document();
        for (String m : members) {
            ids.append(m, 1);
        }
        db.getCollection("groups").insertOne(new Document("uid", groupId).append("appId", app).append("name", "Team")
                .append("owner", members[0]).append("members", ids).append("createdOn", now).append("updatedOn", now));
        return groupId;
    }

    @Test
    void aBatchIsWrittenAndPublishedOnceAndLeavesTheOutbox() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        MockEndpoint delivered = getMockEndpoint("mock:delivered");
        delivered.expectedMessageCount(1);
        Map<String, Object> direct = message("alice", "bob", "direct");
        Map<String, Object> other = message("carol", "bob", "direct");
        String groupId = groupOf("a", "b", "c");
        Map<String, Object> group = message("a", groupId, "group");
        for (Map<String, Object> m : List.of(direct, other, group)) {
            outboxed(m);
        }

        Exchange done = deliver(direct, other, group);

        assertNull(done.getException());
        Map<Object, Object> statusByTimeline = copies(direct.get("message_id")).stream()
                .collect(Collectors.toMap(d -> d.get("timelineOf"), d -> d.get("status")));
        assertEquals(Map.of("alice", 100, "bob", 150), statusByTimeline);
        Map<Object, Object> groupStatus = copies(group.get("message_id")).stream()
                .collect(Collectors.toMap(d -> d.get("timelineOf"), d -> d.get("status")));
        assertEquals(Map.of("a", 150, "b", 150, "c", 150, groupId, 100), groupStatus);
        List<Document> conversations = db.getCollection("conversations").find(new Document("app_id", app))
                .into(new ArrayList<>());
        assertEquals(Set.of("alice>bob", "bob>alice", "carol>bob", "bob>carol", "a>" + groupId, "b>" + groupId,
                        "c>" + groupId, groupId + ">" + groupId),
                conversations.stream().map(c -> c.get("timelineOf") + ">" + c.get("conversWith")).collect(Collectors.toSet()));

        // every copy of the batch in one publish
        assertEquals(1, published.getReceivedCounter());
        assertEquals(8, published.getExchanges().get(0).getVariable("copies", List.class).size());
        await("outbox entries removed", () -> outboxCount(new Document("message.app_id", app)) == 0);

        delivered.assertIsSatisfied(5000);
        assertEquals(8, delivered.getExchanges().get(0).getMessage().getBody(List.class).size());
    }

    /** The start-up warm-up's messages are told to no hook: neither in the body nor in the variable batch. */
    @Test
    void aWarmupMessageInTheBatchReachesNoHook() throws Exception {
        MockEndpoint delivered = getMockEndpoint("mock:delivered");
        delivered.expectedMessageCount(1);
        Map<String, Object> real = message("alice", "bob", "direct");
        Map<String, Object> warm = message("warm-a", "warm-b", "direct");
        warm.put("app_id", WarmupApp.PREFIX + UUID.randomUUID().toString().substring(0, 8));
        outboxed(real);
        outboxed(warm);

        assertNull(deliver(warm, real).getException());

        assertEquals(2, copies(warm.get("message_id")).size(), "the warm-up message is delivered all the same");
        delivered.assertIsSatisfied(5000);
        Exchange hook = delivered.getExchanges().get(0);
        List<?> copies = hook.getMessage().getBody(List.class);
        assertEquals(2, copies.size(), "the real message's two copies only");
        List<?> batch = hook.getVariable("batch", List.class);
        assertEquals(List.of(real.get("message_id")), batch.stream().map(m -> ((Map<?, ?>) m).get("message_id")).toList());
        db.getCollection("messages").deleteMany(new Document("app_id", warm.get("app_id")));
        db.getCollection("conversations").deleteMany(new Document("app_id", warm.get("app_id")));
    }

    /** hooks.yaml: a hook runs on its own thread after the work, so a slow or failing one neither delays nor fails delivery. */
    @Test
    void aSlowFailingHookNeitherDelaysNorFailsDelivery() throws Exception {
        hookStallMs = 3000;
        NotifyBuilder hookDone = new NotifyBuilder(context).fromCurrentRoute("on-message-delivered").whenDone(1).create();
        Map<String, Object> message = message("alice", "bob", "direct");
        outboxed(message);

        long start = System.nanoTime();
        Exchange done = deliver(message);
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertNull(done.getException());
        assertTrue(tookMs < 2000, "delivery waited for the hook: " + tookMs + " ms");
        assertEquals(4, storedFor(app), "two copies and two conversations");
        assertEquals(1, getMockEndpoint("mock:published").getReceivedCounter());
        assertTrue(hookDone.matches(10, TimeUnit.SECONDS), "the hook did not run");
        assertEquals(0, getMockEndpoint("mock:delivered").getReceivedCounter(), "the hook failed before its end");
        await("outbox entry gone", () -> outboxEntry((String) message.get("message_id")) == null);
    }

    @Test
    void aMessageThatCannotBePlannedIsLeftOutAndTheOthersAreDelivered() throws Exception {
        Map<String, Object> good = message("alice", "bob", "direct");
        Map<String, Object> bad = message("alice", "bob", "direct");
        bad.put("recipient", 42);
        outboxed(good);
        outboxed(bad);

        Exchange done = deliver(bad, good);

        assertNull(done.getException());
        assertEquals(2, copies(good.get("message_id")).size());
        assertEquals(0, copies(bad.get("message_id")).size());
        await("the good one leaves the outbox", () -> outboxEntry((String) good.get("message_id")) == null);
        assertEquals("pending", outboxEntry((String) bad.get("message_id")).get("state"), "the bad one stays for the relay");
    }

    @Test
    void aDependencyFailureLeavesTheBatchInTheOutbox() throws Exception {
        writeFailure = new MongoTimeoutException("test");
        Map<String, Object> message = message("alice", "bob", "direct");
        outboxed(message);

        Exchange done = deliver(message);

        // passed on to the caller (the delivery queue logs it); the entry stays for the relay
        assertInstanceOf(MongoTimeoutException.class, done.getException());
        assertEquals("pending", outboxEntry((String) message.get("message_id")).get("state"));
        assertEquals(0, getMockEndpoint("mock:published").getReceivedCounter());
    }

    @Test
    void theRelayDeliversWhatWasLeftAndParksWhatKeepsFailing() throws Exception {
        Map<String, Object> left = message("alice", "bob", "direct");
        Map<String, Object> bad = message("alice", "bob", "direct");
        bad.put("recipient", 42);
        outboxed(left);
        outboxed(bad);

        template.sendBody("direct:relay", null);
        assertEquals(2, copies(left.get("message_id")).size(), "the relay delivered it");
        await("delivered: out of the outbox", () -> outboxEntry((String) left.get("message_id")) == null);
        assertEquals(1, outboxEntry((String) bad.get("message_id")).get("attempts"));

        Thread.sleep(5);
        template.sendBody("direct:relay", null);
        Thread.sleep(5);
        template.sendBody("direct:relay", null);
        Document parked = outboxEntry((String) bad.get("message_id"));
        assertEquals("dead", parked.get("state"), "claimed twice and still not delivered: parked");
        assertTrue(String.valueOf(parked.get("error")).contains("2 attempts"), String.valueOf(parked.get("error")));
        assertEquals(0, copies(bad.get("message_id")).size());
    }
}
