package org.chat21.camel.routes;

import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpConnectException;

import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * groups.yaml: the group-change template (create-group), group-changed and send-notice. The broker check
 * is removed, the cross-instance announce always fails (its doTry must keep the change standing), and the
 * info messages go through the real outbox and deliver-batch with the timeline publish replaced.
 */
class GroupRoutesTest extends RouteTestSupport {
    static final String BROKER_CHECK = "Bean[ref:brokerCheck method:requireReachable]";
    static final String ANNOUNCE = "Bean[ref:groupChanges method:announce(${variable.change.appId}, ${variable.change.groupId})]";

    private final AtomicInteger announceAttempts = new AtomicInteger();
    /** Set by a test before its request: the broker refuses every publish. */
    private volatile boolean brokerDown;
    /** Set by a test before its request: what group-changed throws first (null: nothing). */
    private volatile RuntimeException changedFailure;

    @Override
    protected void advise() throws Exception {
        AdviceWith.adviceWith(context, "create-group", a -> a.weaveByToString(BROKER_CHECK).remove());
        AdviceWith.adviceWith(context, "group-changed", a -> {
            a.weaveByToString(ANNOUNCE).replace().process(e -> {
                announceAttempts.incrementAndGet();
                throw new AmqpConnectException(new ConnectException("test"));
            });
            a.weaveAddFirst().process(e -> {
                if (changedFailure != null) {
                    throw changedFailure;
                }
            });
        });
        AdviceWith.adviceWith(context, "deliver-batch", a -> a.weaveByToString(DeliveryRoutesTest.TIMELINE_PUBLISH).replace()
                .process(e -> {
                    if (brokerDown) {
                        throw new AmqpConnectException(new ConnectException("test"));
                    }
                })
                .to("mock:published"));
    }

    private HttpResponse<String> createGroup(String creator, String groupId) {
        return http("POST", "/api/" + app + "/groups", user(creator), Json.write(Map.of(
                "group_id", groupId, "group_name", "Team", "group_members", Map.of("bob", 1, "carol", 1))));
    }

    @SuppressWarnings("unchecked")
    private static String labelKey(Map<String, Object> message) {
        Map<String, Object> attributes = (Map<String, Object>) message.get("attributes");
        return (String) ((Map<String, Object>) attributes.get("messagelabel")).get("key");
    }

    @Test
    void aCreatedGroupIsStoredAndItsInfoMessagesAreSentDespiteAFailedAnnounce() throws Exception {
        MockEndpoint published = getMockEndpoint("mock:published");
        NotifyBuilder changed = new NotifyBuilder(context).fromCurrentRoute("on-group-changed").whenDone(1).create();
        String groupId = "group-" + app;

        HttpResponse<String> response = createGroup("alice", groupId);

        assertEquals(201, response.statusCode(), response.body());
        Map<String, Object> reply = json(response);
        assertEquals(true, reply.get("success"));
        @SuppressWarnings("unchecked")
        Map<String, Object> group = (Map<String, Object>) reply.get("group");
        assertEquals(groupId, group.get("uid"));
        assertEquals("alice", group.get("owner"));
        assertEquals(Map.of("alice", 1, "bob", 1, "carol", 1), group.get("members"));

        Document stored = db.getCollection("groups").find(new Document("uid", groupId).append("appId", app)).first();
        assertNotNull(stored);
        assertEquals(Map.of("alice", 1, "bob", 1, "carol", 1), stored.get("members", Document.class));

        // the announce was tried, failed, and was only logged
        assertEquals(1, announceAttempts.get());

        // GroupRules.creationNotices: GROUP_CREATED, then MEMBER_JOINED_GROUP for every member, the creator
        // included (a non-admin creator is always a member): 1 + 3 messages, delivered together in the
        // request (published before the answer) to the 3 members and the group timeline: one publish of 16
        assertEquals(1, published.getReceivedCounter());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> copies = published.getExchanges().get(0).getVariable("copies", List.class);
        assertEquals(16, copies.size());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < copies.size(); i += 4) {
            Map<String, Object> message = copies.get(i);
            assertEquals("group", message.get("channel_type"));
            assertEquals(groupId, message.get("recipient"));
            assertEquals("system", message.get("sender"));
            keys.add(labelKey(message));
        }
        assertEquals(List.of("GROUP_CREATED", "MEMBER_JOINED_GROUP", "MEMBER_JOINED_GROUP", "MEMBER_JOINED_GROUP"), keys);

        assertEquals(4, db.getCollection("messages").countDocuments(new Document("timelineOf", groupId).append("app_id", app)));
        await("info messages delivered: their outbox entries let go", () ->
                db.getCollection("outbox").countDocuments(new Document("message.app_id", app)) == 0);
        assertTrue(changed.matches(5, TimeUnit.SECONDS), "on-group-changed was not reached");
    }

    @Test
    void infoMessagesTheBrokerRefusesStayInTheOutboxForTheRelay() throws Exception {
        brokerDown = true;
        MockEndpoint published = getMockEndpoint("mock:published");
        String groupId = "group-" + app;

        HttpResponse<String> response = createGroup("alice", groupId);

        // the change is stored, so it stands: 201 although not one info message went out
        assertEquals(201, response.statusCode(), response.body());
        assertNotNull(db.getCollection("groups").find(new Document("uid", groupId).append("appId", app)).first());
        assertEquals(0, published.getReceivedCounter());
        // send-notice's doCatch leaves them, pending, for the relay; none is discarded
        assertEquals(4, outboxCount(new Document("message.app_id", app)));
        assertEquals(4, outboxCount(new Document("message.app_id", app).append("state", "pending")));
        assertEquals(4, outboxCount(new Document("message.recipient", groupId).append("channel_type", "group")));
    }

    /**
     * A store failure while group-changed carries a change out passes on to the group-change route, whose
     * API configuration maps it (503 JSON), as groups.yaml promises. (Regression: while the internal
     * configuration had an error handler of its own, this was answered 500, empty, echoing the headers.)
     */
    @Test
    void aStoreFailureWhileCarryingOutAChangeIsAnswered503() throws Exception {
        changedFailure = new com.mongodb.MongoTimeoutException("test");

        HttpResponse<String> response = createGroup("alice", "group-" + app);

        assertEquals(503, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "service temporarily unavailable, try again"), json(response));
        assertTrue(response.headers().firstValue("Authorization").isEmpty(), "the token is echoed back");
    }
}
