package org.chat21.camel;

import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Health, readiness and metrics on the management port (camel-observability-services): ready only while
 * MongoDB and RabbitMQ are reachable; Prometheus metrics with the service's own counters beside Camel's.
 */
@RequiresRabbitMQ
class OperationsIT {

    static double metric(ServiceHarness svc, String name) {
        HttpResponse<String> r = svc.manage("/observe/metrics");
        assertEquals(200, r.statusCode());
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(r.body());
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
            found = true;
        }
        return found ? sum : -1;
    }

    @SuppressWarnings("unchecked")
    static String check(Map<String, Object> health, String name) {
        for (Map<String, Object> c : (List<Map<String, Object>>) health.get("checks")) {
            if (name.equals(c.get("name"))) {
                return (String) c.get("status");
            }
        }
        return null;
    }

    @Test
    void healthReadinessAndMetrics() throws Exception {
        try (ServiceHarness svc = new ServiceHarness()) {
            HttpResponse<String> live = svc.manage("/observe/health/live");
            assertEquals(200, live.statusCode(), live.body());
            HttpResponse<String> ready = svc.manage("/observe/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            Map<String, Object> readiness = Json.readMap(ready.body());
            assertEquals("UP", readiness.get("status"));
            assertEquals("UP", check(readiness, "mongodb"), ready.body());
            assertEquals("UP", check(readiness, "rabbitmq"), ready.body());
            assertEquals("UP", check(readiness, "route:send-message"), ready.body());

            // the service's counters, and Camel's route metrics
            double accepted = Math.max(0, metric(svc, "chat21_messages_accepted_total"));
            double delivered = Math.max(0, metric(svc, "chat21_copies_delivered_total"));
            assertEquals(200, svc.sendText("ops1", "ops2", "counted").statusCode());
            assertEquals(200, svc.sendText("ops1", "ops2", "counted too").statusCode());
            waitUntil(() -> metric(svc, "chat21_copies_delivered_total") >= delivered + 4, 10_000,
                    "copies delivered not counted");
            assertEquals(accepted + 2, metric(svc, "chat21_messages_accepted_total"));
            assertEquals(delivered + 4, metric(svc, "chat21_copies_delivered_total"), "2 messages x 2 copies");
            assertTrue(metric(svc, "camel_exchanges_total") > 0);
            // both messages timed from acceptance to publication, in buckets; the outbox empty again; the
            // relay exported (zero here)
            waitUntil(() -> metric(svc, "chat21_delivery_latency_seconds_count") >= 2, 10_000, "latency not recorded");
            assertTrue(metric(svc, "chat21_delivery_latency_seconds_bucket") > 0);
            assertTrue(metric(svc, "chat21_delivery_latency_seconds_sum") > 0);
            waitUntil(() -> metric(svc, "chat21_outbox_backlog") == 0, 10_000, "outbox backlog not 0");
            assertEquals(0, metric(svc, "chat21_outbox_parked"));

            // the store gone: not ready (503, naming it), still alive
            svc.mongoServer.shutdownNow();
            waitUntil(() -> svc.manage("/observe/health/ready").statusCode() == 503, 15_000, "still ready without a store");
            HttpResponse<String> notReady = svc.manage("/observe/health/ready");
            assertEquals("DOWN", check(Json.readMap(notReady.body()), "mongodb"), notReady.body());
            assertEquals(200, svc.manage("/observe/health/live").statusCode());
        }
    }

    /**
     * A queue the observer consumes, deleted under it (by an operator, a policy): Spring's consumers are cancelled
     * and would not come back. It is told, shown in the health report, declared again with its binding, and what
     * clients publish is handled again.
     */
    @Test
    void aDeletedConsumedQueueIsDeclaredAgainAndConsumed() throws Exception {
        try (ServiceHarness svc = new ServiceHarness();
             ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
            String queue = svc.overrides.get("chat21.observer.queue-prefix") + ".presence";
            waitUntil(() -> "UP".equals(check(Json.readMap(svc.manage("/observe/health").body()), "consumer-queues")),
                    10_000, "the consumed queues checked");
            admin.channel.queueDelete(queue);
            waitUntil(() -> {
                try (com.rabbitmq.client.Channel probe = admin.newChannel()) {
                    return probe.queueDeclarePassive(queue).getConsumerCount() > 0;
                } catch (Exception notYet) {
                    return false;
                }
            }, 15_000, queue + " declared again and consumed");
            // bound again: a client's presence is recorded
            admin.channel.basicPublish("amq.topic", "apps." + svc.appId + ".users.opsu.presence.c1", null,
                    "{\"connected\": true}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            waitUntil(() -> svc.db.getCollection("presence").countDocuments(new org.bson.Document("user_id", "opsu")) == 1,
                    10_000, "the presence handled after the queue came back");
            // the check's next round sees it back
            waitUntil(() -> "UP".equals(check(Json.readMap(svc.manage("/observe/health").body()), "consumer-queues")),
                    5_000, "consumer-queues UP again");
        }
    }
}
