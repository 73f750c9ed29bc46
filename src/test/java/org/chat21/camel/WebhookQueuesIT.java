package org.chat21.camel;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.MessageProperties;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.chat21.camel.webhooks.WebhookEndpoints;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What webhook endpoints leave in the broker (issue 23): an endpoint removed from WEBHOOK_ENDPOINTS has its
 * queue deleted at the next start (nothing bound to the events exchange, nothing growing), and an endpoint's
 * queue is bounded: what overflows goes to the dead-letter store, counted, never silently dropped. Two
 * services in turn on one store (where the declared queues are recorded) and the machine's RabbitMQ.
 */
@RequiresRabbitMQ
class WebhookQueuesIT {
    @Test
    void aRemovedEndpointsQueueIsDeletedAndAFullQueueOverflowsIntoTheDeadLetterStore() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String exchange = "it." + run + ".webhooks";
        MongoServer mongo = new MongoServer(new MemoryBackend());
        mongo.bind();
        ServiceHarness first = null;
        ServiceHarness second = null;
        try (HookReceiver hooks = new HookReceiver()) {
            hooks.behave("/full", n -> 503);
            Map<String, String> common = new HashMap<>();
            common.put("chat21.webhooks.enabled", "true");
            common.put("chat21.webhooks.events", "message-sent");
            common.put("chat21.webhooks.exchange", exchange);
            common.put("chat21.webhooks.queue-prefix", exchange);
            common.put("chat21.webhooks.queue-max-length", "5");
            common.put("chat21.webhooks.retry-schedule", "60s");
            common.put("chat21.webhooks.circuit.minimum-calls", "2");
            common.put("chat21.webhooks.circuit.open-seconds", "120");
            String kept = hooks.url("/a");
            String removed = hooks.url("/b");
            String keptQueue = WebhookEndpoints.queueName(exchange, kept);
            String removedQueue = WebhookEndpoints.queueName(exchange, removed);

            Map<String, String> before = new HashMap<>(common);
            before.put("chat21.webhooks.endpoints", kept + "," + removed);
            first = new ServiceHarness(before, mongo);
            assertEquals(200, first.sendText("u1", "u2", "hello").statusCode());
            waitUntil(() -> hooks.at("/b", h -> true).size() == 1, 10_000, "/b served");
            first.close();

            try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
                // no one consumes /b's queue now: it would grow by every event from here on
                for (int i = 0; i < 3; i++) {
                    admin.channel.basicPublish(exchange, "message-sent.app.u" + i, MessageProperties.PERSISTENT_TEXT_PLAIN,
                            "{\"event_type\":\"message-sent\"}".getBytes(StandardCharsets.UTF_8));
                }
                waitUntil(() -> admin.channel.messageCount(removedQueue) == 3, 5_000, "/b's queue holds 3");

                Map<String, String> after = new HashMap<>(common);
                after.put("chat21.webhooks.endpoints", kept + "," + hooks.url("/full") + "#in-flight=1");
                second = new ServiceHarness(after, mongo);
                // /b's queue is gone (a passive declare of it fails), /a's is there and served
                Channel probe = admin.newChannel();
                IOException gone = assertThrows(IOException.class, () -> probe.queueDeclarePassive(removedQueue));
                assertTrue(String.valueOf(gone.getCause()).contains("NOT_FOUND"), String.valueOf(gone.getCause()));
                admin.channel.queueDeclarePassive(keptQueue);
                assertEquals(0, second.db.getCollection("webhook_queues").countDocuments(new Document("_id", removedQueue)));
                waitUntil(() -> hooks.at("/a", h -> true).size() >= 4, 10_000, "/a served its 3 waiting events");

                // /full fails, its circuit opens after 2 calls, its queue holds 5: the rest overflow into the store
                for (int i = 0; i < 30; i++) {
                    assertEquals(200, second.sendText("v" + run, "w" + run, "overflow " + i).statusCode());
                }
                ServiceHarness svc = second;
                waitUntil(() -> svc.db.getCollection("webhook_dead_letters").countDocuments(new Document("endpoint",
                        hooks.url("/full"))) >= 20, 15_000, "overflow in the dead-letter store");
                Document letter = svc.db.getCollection("webhook_dead_letters").find(new Document("endpoint", hooks.url("/full"))).first();
                assertTrue(letter.getString("error").contains("queue was full"), letter.toJson());
                assertEquals("message-sent", letter.getString("event_type"));
                assertTrue(admin.channel.messageCount(WebhookEndpoints.queueName(exchange, hooks.url("/full"))) <= 5, "bounded");
                waitUntil(() -> svc.manage("/observe/metrics").body().lines().anyMatch(l -> l.startsWith(
                        "chat21_webhook_overflowed_total") && l.contains("/full") && Double.parseDouble(
                        l.substring(l.lastIndexOf(' ') + 1)) >= 20), 5_000, "overflow counted");
            }
        } finally {
            if (second != null) {
                second.close();
                second.deleteBrokerObjects();
            }
            if (first != null) {
                // its observer queues and group-change exchange (its endpoint queues are gone by now)
                first.deleteBrokerObjects();
            }
            mongo.shutdownNow();
        }
    }
}
