package org.chat21.camel;

import com.mongodb.client.model.Filters;
import org.chat21.camel.common.WarmupApp;
import org.chat21.camel.operations.Warmup;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.chat21.camel.OperationsIT.metric;
import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Warm before ready (operations.Warmup): with the warm-up on, the API and readiness answer 503 while it runs
 * (a forged warm-up header does not get through); once ready, the warm-up's messages went through the send
 * path (the accepted counter), nothing of them is left in the store, and a webhook endpoint subscribed to
 * message-sent was told of the user's message only.
 */
@RequiresRabbitMQ
class WarmupIT {

    @Test
    void warmsUpBeforeReadyAndLeavesNothingBehind() throws Exception {
        try (HookReceiver hooks = new HookReceiver()) {
            String run = UUID.randomUUID().toString().substring(0, 8);
            Map<String, String> extra = new HashMap<>();
            extra.put("chat21.warmup", "on");
            extra.put("chat21.warmup.max-seconds", "15");
            extra.put("chat21.webhooks.enabled", "true");
            extra.put("chat21.webhooks.endpoints", hooks.url("/ok"));
            extra.put("chat21.webhooks.events", "message-sent");
            extra.put("chat21.webhooks.exchange", "it." + run + ".webhooks");
            extra.put("chat21.webhooks.queue-prefix", "it." + run + ".webhooks");
            try (ServiceHarness svc = ServiceHarness.notWaitedFor(extra)) {
                // the routes run, the warm-up has begun: closed to everyone else
                HttpResponse<String> api = svc.get("/", null);
                assertEquals(503, api.statusCode(), api.body());
                assertTrue(api.body().contains("starting"), api.body());
                HttpResponse<String> forged = svc.post("/api/" + svc.appId + "/messages", svc.user("mallory"),
                        "{\"sender_fullname\":\"M\",\"recipient_id\":\"bob\",\"recipient_fullname\":\"B\",\"text\":\"x\"}",
                        Warmup.HEADER, "0123456789abcdef0123456789abcdef");
                assertEquals(503, forged.statusCode(), forged.body());
                HttpResponse<String> ready = svc.manage("/observe/health/ready");
                assertEquals(503, ready.statusCode(), ready.body());
                assertTrue(ready.body().contains("warming up"), ready.body());

                waitUntil(() -> svc.manage("/observe/health/ready").statusCode() == 200, 90_000, "not ready after the warm-up");
                assertEquals(200, svc.get("/", null).statusCode());
                // the warm-up's messages went through the API and the send path: at least its minimum
                double accepted = metric(svc, "chat21_messages_accepted_total");
                assertTrue(accepted >= 1000, "accepted during the warm-up: " + accepted);
                // and left nothing in the store
                Pattern warmup = Pattern.compile("^" + Pattern.quote(WarmupApp.PREFIX));
                for (String collection : List.of("messages", "conversations", "outbox")) {
                    assertEquals(0, svc.db.getCollection(collection).countDocuments(Filters.regex("app_id", warmup)),
                            collection + " still holds warm-up documents");
                }
                assertEquals(0, svc.db.getCollection("groups").countDocuments(Filters.regex("appId", warmup)));

                // a user's message is told to the endpoint; the warm-up's thousands never were
                HttpResponse<String> sent = svc.sendText("alice", "bob", "after the warm-up");
                assertEquals(200, sent.statusCode(), sent.body());
                waitUntil(() -> !hooks.at("/ok", hit -> true).isEmpty(), 15_000, "message-sent not told");
                Thread.sleep(500);
                List<String> apps = new ArrayList<>();
                for (HookReceiver.Hit hit : hooks.at("/ok", h -> true)) {
                    apps.add(String.valueOf(hit.json().get("app_id")));
                }
                assertEquals(List.of(svc.appId), apps);
            }
        }
    }
}
