package org.chat21.camel;

import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.chat21.camel.infra.QueueMigration;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code migrate-queues} on a running service whose observer queues exist with the other type (an upgrade onto a
 * deployment made before quorum queues, or set to classic): while clients publish all along, the queues get this
 * version's type, and every publication the broker confirmed is handled exactly once: none routed nowhere in
 * the switch, none handled twice although for a moment publications go to two queues.
 */
@RequiresRabbitMQ
class QueueMigrationIT {
    static final String OTHER = "quorum".equals(ServiceHarness.QUEUE_TYPE) ? "classic" : "quorum";

    @Test
    void theObserversQueuesMoveToThisVersionsTypeWhileClientsPublishWithNothingLostOrTwice() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String prefix = "it." + run + ".observer";
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(ServiceHarness.RABBIT);
        try (Connection admin = factory.newConnection("queue-migration-it")) {
            try (Channel channel = admin.createChannel()) {
                for (String kind : List.of("messages", "receipts")) {
                    channel.queueDeclare(prefix + "." + kind, true, false, false, Map.of("x-queue-type", OTHER));
                }
            }
            try (ServiceHarness svc = ServiceHarness.ofRun(Map.of(), run);
                 Channel publisher = admin.createChannel()) {
                publisher.confirmSelect();
                String key = "apps." + svc.appId + ".outgoing.users.alice.messages.bob.outgoing";
                AtomicBoolean publishing = new AtomicBoolean(true);
                AtomicInteger confirmed = new AtomicInteger();
                List<Throwable> failed = new ArrayList<>();
                // a client publishing all along, as RabbitMQ's MQTT plugin puts its QoS 1 messages on amq.topic
                Thread client = new Thread(() -> {
                    try {
                        for (int i = 0; publishing.get(); i++) {
                            publisher.basicPublish("amq.topic", key, new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                                    body("m" + run + "-" + i));
                            publisher.waitForConfirmsOrDie(5_000);
                            confirmed.set(i + 1);
                            Thread.sleep(4);
                        }
                    } catch (Throwable e) {
                        failed.add(e);
                    }
                }, "client");
                client.start();
                waitUntil(() -> confirmed.get() > 200, 20_000, "the client did not get going");

                ByteArrayOutputStream report = new ByteArrayOutputStream();
                int code = Application.migrateQueues(svc.overrides, new PrintStream(report, true, StandardCharsets.UTF_8));
                String said = report.toString(StandardCharsets.UTF_8);
                System.out.println(said);
                int atSwitch = confirmed.get();
                waitUntil(() -> confirmed.get() > atSwitch + 200, 20_000, "the client stalled after the move");
                publishing.set(false);
                client.join(10_000);
                assertTrue(failed.isEmpty(), failed.toString());
                assertEquals(QueueMigration.OK, code, said);
                assertTrue(said.contains(prefix + ".messages: " + ServiceHarness.QUEUE_TYPE + " now"), said);
                assertTrue(said.contains(prefix + ".receipts: " + ServiceHarness.QUEUE_TYPE + " now"), said);
                assertTrue(said.contains(prefix + ".presence: already " + ServiceHarness.QUEUE_TYPE), said);

                // every confirmed publication is stored once in each of the two timelines: nothing lost, nothing twice
                int published = confirmed.get();
                waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.regex("text", "^m" + run + "-"))
                        >= 2L * published, 60_000, "not every confirmed publication was handled");
                Thread.sleep(1_000); // a late second copy, if any, would show now
                List<Document> notTwice = svc.db.getCollection("messages").aggregate(List.of(
                        Aggregates.match(Filters.regex("text", "^m" + run + "-")),
                        Aggregates.group("$text", Accumulators.sum("n", 1)),
                        Aggregates.match(Filters.ne("n", 2)))).into(new ArrayList<>());
                assertEquals(List.of(), notTwice, "stored other than once per timeline");
                assertEquals(2L * published, svc.db.getCollection("messages").countDocuments(
                        Filters.regex("text", "^m" + run + "-")));

                try (Channel check = admin.createChannel()) {
                    // now of this version's type (a declare with it is accepted), and nothing of the move is left
                    check.queueDeclare(prefix + ".messages", true, false, false, Map.of("x-queue-type", ServiceHarness.QUEUE_TYPE));
                    check.queueDeclare(prefix + ".receipts", true, false, false, Map.of("x-queue-type", ServiceHarness.QUEUE_TYPE));
                    assertTrue(check.queueDeclarePassive(prefix + ".messages").getConsumerCount() > 0);
                }
                assertTrue(missing(admin, prefix + ".messages.moving"), "the temporary queue is left");

                // a second run finds nothing to do
                report.reset();
                assertEquals(QueueMigration.OK, Application.migrateQueues(svc.overrides,
                        new PrintStream(report, true, StandardCharsets.UTF_8)));
                assertTrue(report.toString(StandardCharsets.UTF_8).contains(prefix + ".messages: already "
                        + ServiceHarness.QUEUE_TYPE), report.toString(StandardCharsets.UTF_8));
            } finally {
                try (Channel channel = admin.createChannel()) {
                    for (String kind : List.of("messages", "receipts")) {
                        channel.queueDelete(prefix + "." + kind + ".moving"); // left by a failed run
                    }
                }
            }
        }
    }

    /**
     * A run cut short after the queue was unbound (killed, broker lost): what clients published meanwhile waits in
     * the temporary queue; the next run takes up there, and every publication is handled once.
     */
    @Test
    void aRunCutShortIsTakenUpByTheNext() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String prefix = "it." + run + ".observer";
        String queue = prefix + ".messages";
        try (Connection admin = new ConnectionFactory() {{ setUri(ServiceHarness.RABBIT); }}.newConnection("queue-migration-it")) {
            try (Channel channel = admin.createChannel()) {
                channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", OTHER));
            }
            try (ServiceHarness svc = ServiceHarness.ofRun(Map.of(), run); Channel channel = admin.createChannel()) {
                String key = "apps." + svc.appId + ".outgoing.users.alice.messages.bob.outgoing";
                // as the service binds it (chat21.observer.binding.messages, its app being the run's)
                String binding = "apps." + svc.appId + ".outgoing.users.*.messages.*.outgoing";
                channel.basicPublish("amq.topic", key, null, body("before " + run));
                // the first steps of a run that then stopped: the temporary queue bound, the old one unbound
                channel.queueDeclare(queue + ".moving", true, false, false, Map.of("x-queue-type", ServiceHarness.QUEUE_TYPE));
                channel.queueBind(queue + ".moving", "amq.topic", binding);
                channel.queueUnbind(queue, "amq.topic", binding);
                for (int i = 0; i < 20; i++) {
                    channel.basicPublish("amq.topic", key, null, body("meanwhile " + run + " " + i));
                }
                waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.eq("text", "before " + run)) == 2,
                        15_000, "the publication before the cut was not handled");
                ByteArrayOutputStream report = new ByteArrayOutputStream();
                int code = Application.migrateQueues(svc.overrides, new PrintStream(report, true, StandardCharsets.UTF_8));
                String said = report.toString(StandardCharsets.UTF_8);
                assertEquals(QueueMigration.OK, code, said);
                assertTrue(said.contains(queue + ": moving to a " + ServiceHarness.QUEUE_TYPE + " queue (taking up an earlier run)"), said);
                waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.regex("text", "^meanwhile " + run)) == 40,
                        20_000, "what waited in the temporary queue was not handled");
                // bound again, to the queue of this version's type: a new publication is handled
                channel.basicPublish("amq.topic", key, null, body("after " + run));
                waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.eq("text", "after " + run)) == 2,
                        15_000, "the queue is not bound again");
                Thread.sleep(500);
                assertEquals(40, svc.db.getCollection("messages").countDocuments(Filters.regex("text", "^meanwhile " + run)));
                assertTrue(missing(admin, queue + ".moving"), "the temporary queue is left");
            } finally {
                try (Channel channel = admin.createChannel()) {
                    channel.queueDelete(queue + ".moving");
                }
            }
        }
    }

    /** Without running instances the queue would never drain: left as it is, exit 1, one line saying why. */
    @Test
    void aQueueNoInstanceConsumesIsLeftAsItIs() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String queue = "it." + run + ".observer.messages";
        try (Connection admin = new ConnectionFactory() {{ setUri(ServiceHarness.RABBIT); }}.newConnection("queue-migration-it");
             Channel channel = admin.createChannel()) {
            channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", OTHER));
            try {
                ByteArrayOutputStream report = new ByteArrayOutputStream();
                int code = Application.migrateQueues(Map.of("chat21.rabbitmq.uri", ServiceHarness.RABBIT,
                        "chat21.observer.queue-prefix", "it." + run + ".observer"), new PrintStream(report, true, StandardCharsets.UTF_8));
                String said = report.toString(StandardCharsets.UTF_8);
                assertEquals(QueueMigration.FAILED, code, said);
                assertTrue(said.contains(queue + ": of the other type, and no instance consumes it: left as it is"), said);
                assertTrue(said.contains("it." + run + ".observer.receipts: not there"), said);
                assertTrue(missing(admin, queue + ".moving"), "a temporary queue was made");
                // still the other type: a declare with it is accepted
                channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", OTHER));
            } finally {
                channel.queueDelete(queue);
            }
        }
    }

    /**
     * The marker the command puts on a moved message that may be a copy, read by the observer: one of the same
     * bytes handled since then is that message again; with no such original it is a new message.
     */
    @Test
    void aMovedPublicationMarkedAsAPossibleCopyIsTakenForItsOriginal() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (ServiceHarness svc = ServiceHarness.ofRun(Map.of("chat21.observer.copy-settle-ms", "500"), run);
             Connection admin = new ConnectionFactory() {{ setUri(ServiceHarness.RABBIT); }}.newConnection("queue-migration-it");
             Channel channel = admin.createChannel()) {
            String key = "apps." + svc.appId + ".outgoing.users.alice.messages.bob.outgoing";
            long before = System.currentTimeMillis();
            channel.basicPublish("amq.topic", key, null, body("original " + run));
            waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.eq("text", "original " + run)) == 2,
                    15_000, "the original was not handled");
            AMQP.BasicProperties copy = new AMQP.BasicProperties.Builder()
                    .headers(Map.of(QueueMigration.COPY_SINCE, before)).build();
            channel.basicPublish("amq.topic", key, copy, body("original " + run));
            channel.basicPublish("amq.topic", key, copy, body("no original " + run));
            waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.eq("text", "no original " + run)) == 2,
                    15_000, "a marked publication with no original was not handled as a new message");
            Thread.sleep(500);
            assertEquals(2, svc.db.getCollection("messages").countDocuments(Filters.eq("text", "original " + run)),
                    "the copy was handled as a second message");
            // a marker that is not a number is no marker
            channel.basicPublish("amq.topic", key, new AMQP.BasicProperties.Builder()
                    .headers(Map.of(QueueMigration.COPY_SINCE, "soon")).build(), body("original " + run));
            waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.eq("text", "original " + run)) == 4,
                    15_000, "a publication with a marker that is not a number was not handled as a new one");
        }
    }

    private static byte[] body(String text) {
        return Json.write(Map.of("text", text, "type", "text", "channel_type", "direct", "sender_fullname", "Alice",
                "recipient_fullname", "Bob")).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean missing(Connection admin, String queue) throws Exception {
        try (Channel check = admin.createChannel()) {
            check.queueDeclarePassive(queue);
            return false;
        } catch (java.io.IOException gone) {
            return true;
        }
    }
}
