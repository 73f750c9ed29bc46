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
 * connection drops and new ones are refused, while the real broker keeps what it confirmed). Every message
 * the API accepted is delivered exactly once; sends during the outage get 503 and leave nothing; the service
 * reconnects on its own.
 */
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
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> refused = svc.sendText("alice", "bob", "during-" + i);
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(503, refused.statusCode(), refused.body());
                    assertTrue(ms < 2500, "refused in " + ms + " ms");
                }
                proxy.restore();

                // the service reconnects by itself: sends are accepted again
                long deadline = System.currentTimeMillis() + 30_000;
                String probe = null;
                for (int i = 0; probe == null && System.currentTimeMillis() < deadline; i++) {
                    HttpResponse<String> r = svc.sendText("alice", "bob", "probe-" + i);
                    if (r.statusCode() == 200) {
                        probe = acceptedId(r);
                    } else {
                        assertEquals(503, r.statusCode(), r.body());
                        Thread.sleep(200);
                    }
                }
                assertTrue(probe != null, "sends accepted again after the broker came back");
                accepted.add(probe);
                for (int i = 0; i < 30; i++) {
                    accepted.add(acceptedId(svc.sendText("alice", "bob", "after-" + i)));
                }

                // every accepted message: both copies, exactly once; nothing of the refused ones
                var messages = svc.db.getCollection("messages");
                waitUntil(() -> messages.countDocuments(new Document("message_id", new Document("$in", accepted)))
                        == 2L * accepted.size(), 30_000, "every accepted message delivered after the outage");
                for (String id : accepted) {
                    assertEquals(2, messages.countDocuments(new Document("message_id", id)), id);
                }
                assertEquals(0, messages.countDocuments(new Document("text", new Document("$regex", "^during-"))));
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
