package org.chat21.camel;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker goes away under load and comes back (to the service it looks like a RabbitMQ restart: every
 * connection drops and new ones are refused, while the real broker keeps what it confirmed). Sends go on
 * being accepted at once (the broker is not on the request's path: stored in the outbox is accepted), every
 * accepted message is delivered exactly once after the broker is back, and the service reconnects on its own.
 */
@RequiresRabbitMQ
class BrokerOutageIT {

    @Test
    void acceptedMessagesSurviveAnOutageAndDeliveryResumes() throws Exception {
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", 5672)) {
            ServiceHarness svc = new ServiceHarness(Map.of("chat21.rabbitmq.uri",
                    "amqp://guest:guest@127.0.0.1:" + proxy.port()), null);
            try {
                List<String> accepted = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    accepted.add(acceptedId(svc.sendText("alice", "bob", "before-" + i)));
                }

                proxy.cut();
                for (int i = 0; i < 10; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> during = svc.sendText("alice", "bob", "during-" + i);
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    accepted.add(acceptedId(during));
                    assertTrue(ms < 2000, "accepted in " + ms + " ms");
                }
                // an outage longer than chat21.delivery.attempts relay rounds parks nothing
                Thread.sleep(3000);
                // a client publication made while the service is cut off waits in its queue (published here
                // straight to the broker); the observer's consumers are back within about a second of the return
                try (ServiceHarness.Subscriber publisher = new ServiceHarness.Subscriber()) {
                    publisher.channel.basicPublish("amq.topic", "apps." + svc.appId + ".outgoing.users.carol.messages.bob.outgoing",
                            null, org.chat21.camel.common.Json.writeBytes(Map.of("text", "published during the outage",
                                    "type", "text", "sender_fullname", "Carol", "recipient_fullname", "Bob")));
                }
                proxy.restore();
                long back = System.nanoTime();
                waitUntil(() -> svc.db.getCollection("messages").countDocuments(
                        new Document("text", "published during the outage")) == 2, 15_000, "the publication was not handled");
                long consumersMs = (System.nanoTime() - back) / 1_000_000;
                System.out.println("a publication made during the outage was stored " + consumersMs + " ms after the broker's return");
                assertTrue(consumersMs < 3_000, "consumers back after " + consumersMs + " ms");

                for (int i = 0; i < 30; i++) {
                    accepted.add(acceptedId(svc.sendText("alice", "bob", "after-" + i)));
                }

                // every accepted message: both copies, exactly once
                var messages = svc.db.getCollection("messages");
                waitUntil(() -> messages.countDocuments(new Document("message_id", new Document("$in", accepted)))
                        == 2L * accepted.size(), 30_000, "every accepted message delivered after the outage");
                for (String id : accepted) {
                    assertEquals(2, messages.countDocuments(new Document("message_id", id)), id);
                }
                assertEquals(0, svc.db.getCollection("outbox").countDocuments(new Document("state", "dead")));
                waitUntil(() -> svc.db.getCollection("outbox").countDocuments() == 0, 10_000, "outbox drained");
            } finally {
                svc.close();
            }
        }
    }

    private static String acceptedId(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return (String) DeliveryIT.result(response).get("message_id");
    }
}
