package org.chat21.camel.routes;

import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpConnectException;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * observer.yaml with the "observer" configuration of policies.yaml: client messages through the real
 * enqueue and delivery (the timeline publish replaced), a redelivered publication that keeps its first id,
 * and the fates of a publication: handled, dropped (acknowledged) or back to its queue.
 */
class ObserverRoutesTest extends RouteTestSupport {
    static final String DONE = "Bean[ref:clientMessages method:done(${variable.message}, "
            + "${exchangeProperty.CamelSpringRabbitmqChannel}, ${header.CamelSpringRabbitmqDeliveryTag})]";

    /** Set by a test: the process "dies" after the message is stored, before its publication is done. */
    private volatile boolean cutShort;
    /** Set by a test: the broker refuses every publish. */
    private volatile boolean brokerDown;
    /** Set by a test: what a client message's handling throws first (null: nothing). */
    private volatile RuntimeException storeFailure;

    @Override
    protected void advise() throws Exception {
        AdviceWith.adviceWith(context, "observe-messages", a -> a.replaceFromWith("direct:observe-messages"));
        AdviceWith.adviceWith(context, "deliver-batch", a -> a.weaveByToString(DeliveryRoutesTest.TIMELINE_PUBLISH)
                .replace()
                .process(e -> {
                    if (brokerDown) {
                        throw new AmqpConnectException(new ConnectException("test"));
                    }
                })
                .to("mock:jobs"));
        AdviceWith.adviceWith(context, "client-message", a -> {
            a.weaveByToString(DONE).before().process(e -> {
                if (cutShort) {
                    e.setRouteStop(true);
                }
            });
            a.weaveAddFirst().process(e -> {
                if (storeFailure != null) {
                    throw storeFailure;
                }
            });
        });
    }

    private Exchange publish(String sender, String recipient, String body, boolean redelivered) {
        return template.send("direct:observe-messages", e -> {
            e.getMessage().setHeader("CamelSpringRabbitmqRoutingKey",
                    "apps." + app + ".outgoing.users." + sender + ".messages." + recipient + ".outgoing");
            e.getMessage().setHeader("CamelSpringRabbitmqRedelivered", redelivered);
            e.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
        });
    }

    /** The message id of the i-th delivery (a batch of one message here). */
    @SuppressWarnings("unchecked")
    private static String job(MockEndpoint jobs, int i) {
        return (String) ((java.util.List<java.util.Map<String, Object>>) jobs.getExchanges().get(i)
                .getVariable("copies", java.util.List.class)).get(0).get("message_id");
    }

    @Test
    void aPublicationRedeliveredAfterACrashIsNotASecondMessage() throws Exception {
        MockEndpoint jobs = getMockEndpoint("mock:jobs");
        String body = "{\"text\":\"ok\",\"sender_fullname\":\"Al\",\"recipient_fullname\":\"Bo\"}";

        cutShort = true;
        assertNull(publish("alice", "bob", body, false).getException());
        await("delivered", () -> jobs.getReceivedCounter() == 1);
        String first = job(jobs, 0);
        Document copy = db.getCollection("messages").find(new Document("message_id", first).append("timelineOf", "bob")).first();
        assertEquals("alice", copy.get("sender"), "the sender is the routing key's");
        assertEquals("bob", copy.get("recipient"));

        // the broker redelivers it: the same message, already accepted and delivered; not sent again
        cutShort = false;
        assertNull(publish("alice", "bob", body, true).getException());
        Thread.sleep(300);
        assertEquals(1, jobs.getReceivedCounter());
        assertEquals(2, db.getCollection("messages").countDocuments(new Document("message_id", first)));

        // the same text published again on purpose is a new message
        assertNull(publish("alice", "bob", body, false).getException());
        await("delivered", () -> jobs.getReceivedCounter() == 2);
        assertNotEquals(first, job(jobs, 1));
    }

    @Test
    void malformedPublicationsAreAcknowledgedAndLeaveNothing() throws Exception {
        MockEndpoint jobs = getMockEndpoint("mock:jobs");
        long records = db.getCollection("client_publications").countDocuments();
        for (String body : new String[] {"not json", "[]", "{\"text\": 5}", "{\"type\": \"a b\"}",
                "{\"channel_type\": \"group\", \"group\": {\"members\": {\"x\": {\"$gt\": 1}}}}"}) {
            Exchange done = publish("alice", "bob", body, false);
            // handled: the listener container acknowledges it; it never comes back
            assertNull(done.getException(), body);
            assertTrue(done.getExchangeExtension().isErrorHandlerHandled(), body);
        }
        Exchange badId = publish("alice", "b$b", "{\"text\":\"x\"}", false);
        assertNull(badId.getException());
        Thread.sleep(200);
        assertEquals(0, jobs.getReceivedCounter());
        assertEquals(0, outboxCount(new Document("message.app_id", app)));
        assertEquals(records, db.getCollection("client_publications").countDocuments(), "no record of a refused publication");
    }

    @Test
    void aMessageStoredWhileTheBrokerIsDownIsLeftForTheRelayAndAcknowledged() throws Exception {
        brokerDown = true;
        Exchange done = publish("alice", "bob", "{\"text\":\"later\"}", false);
        assertNull(done.getException(), "acknowledged: the outbox has it");
        Thread.sleep(300);
        assertEquals(1, outboxCount(new Document("message.app_id", app).append("state", "pending")));
    }

    @Test
    void aStoreOutageSendsThePublicationBackToItsQueue() throws Exception {
        storeFailure = new com.mongodb.MongoTimeoutException("test");
        Exchange done = publish("alice", "bob", "{\"text\":\"x\"}", false);
        // not handled: the listener container rejects it and the broker requeues it
        assertTrue(done.getException() instanceof com.mongodb.MongoTimeoutException, String.valueOf(done.getException()));
        assertFalse(Boolean.TRUE.equals(done.getExchangeExtension().isErrorHandlerHandled()));
        assertEquals(0, outboxCount(new Document("message.app_id", app)));
    }
}
