package org.chat21.camel;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.mongodb.client.model.Filters;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upgrade onto a broker whose observer queue exists with the other type (classic, from a version before
 * quorum queues; or quorum, for a deployment set to classic): RabbitMQ refuses a declare with other arguments
 * (PRECONDITION_FAILED). The service starts anyway, says so in one WARN line that names the queue, the feature
 * and the way over, uses the queue as it is, and handles what clients publish to it. Deleted while the service
 * runs, the queue comes back with this version's type and is consumed.
 */
@RequiresRabbitMQ
class ExistingQueuesIT {

    @Test
    void anObserverQueueOfTheOtherTypeIsUsedAsItIsAndToldOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String queue = "it." + run + ".observer.messages";
        String other = "quorum".equals(ServiceHarness.QUEUE_TYPE) ? "classic" : "quorum";
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(ServiceHarness.RABBIT);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        try (Connection admin = factory.newConnection("existing-queues-it"); Channel channel = admin.createChannel()) {
            channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", other));
            log.start();
            root.addAppender(log);
            try (ServiceHarness svc = ServiceHarness.ofRun(Map.of(), run)) {
                List<String> told = log.list.stream()
                        .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains(queue))
                        .map(ILoggingEvent::getFormattedMessage).toList();
                assertEquals(1, told.size(), String.join("\n", told));
                assertTrue(told.get(0).startsWith("observer: queue " + queue + " exists with other arguments"), told.get(0));
                assertTrue(told.get(0).contains("PRECONDITION_FAILED") || told.get(0).contains("inequivalent arg"), told.get(0));
                assertTrue(told.get(0).contains("migrate-queues") && told.get(0).contains("docs/scaling-out.md"), told.get(0));
                assertTrue(log.list.stream().noneMatch(e -> e.getLevel() == Level.ERROR),
                        () -> log.list.stream().filter(e -> e.getLevel() == Level.ERROR)
                                .map(ILoggingEvent::getFormattedMessage).toList().toString());

                // what a client publishes (as RabbitMQ's MQTT plugin puts it on amq.topic) is handled from that queue
                String text = "through the " + other + " queue " + run;
                Map<String, Object> body = Map.of("text", text, "type", "text", "channel_type", "direct",
                        "sender_fullname", "Alice", "recipient_fullname", "Bob");
                channel.basicPublish("amq.topic", "apps." + svc.appId + ".outgoing.users.alice.messages.bob.outgoing", null,
                        Json.write(body).getBytes(StandardCharsets.UTF_8));
                waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.eq("text", text)) == 2, 15_000,
                        "the publication was not handled from the existing queue");
                channel.queueDeclarePassive(queue); // still there

                // deleted while the service runs (by hand: migrate-queues, QueueMigrationIT, moves it without a gap),
                // the queue comes back within a few seconds with this version's type, and is consumed
                channel.queueDelete(queue);
                waitUntil(() -> {
                    try (Channel check = admin.createChannel()) {
                        // refused (PRECONDITION_FAILED) while it has the other type, NOT_FOUND while it is gone
                        check.queueDeclarePassive(queue);
                        check.queueDeclare(queue, true, false, false, Map.of("x-queue-type", ServiceHarness.QUEUE_TYPE));
                        return true;
                    } catch (Exception notYet) {
                        return false;
                    }
                }, 15_000, "the deleted queue did not come back with this version's type");
                String after = "through the " + ServiceHarness.QUEUE_TYPE + " queue " + run;
                waitUntil(() -> {
                    channel.basicPublish("amq.topic", "apps." + svc.appId + ".outgoing.users.alice.messages.bob.outgoing", null,
                            Json.write(Map.of("text", after, "type", "text", "channel_type", "direct",
                                    "sender_fullname", "Alice", "recipient_fullname", "Bob")).getBytes(StandardCharsets.UTF_8));
                    Thread.sleep(1_000);
                    return svc.db.getCollection("messages").countDocuments(Filters.eq("text", after)) > 0;
                }, 20_000, "nothing handled from the queue declared again");
            } finally {
                root.detachAppender(log);
            }
        }
    }
}
