package org.chat21.camel;

import org.bson.Document;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Retries with an Idempotency-Key, many at once: every one gets the original answer (200, the same message),
 * whether the original is still being delivered or was delivered long ago; the message is stored once.
 */
class IdempotencyIT {

    static HttpResponse<String> send(ServiceHarness svc, String key) {
        return svc.post("/api/" + svc.appId + "/messages", svc.user("idem1"), Json.write(Map.of(
                "sender_fullname", "I1", "recipient_id", "idem2", "recipient_fullname", "I2", "text", "once " + key)),
                "Idempotency-Key", key);
    }

    @SuppressWarnings("unchecked")
    static String messageId(HttpResponse<String> r) {
        return (String) ((Map<String, Object>) Json.readMap(r.body()).get("result")).get("message_id");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3000})
    void concurrentRetriesAllGetTheOriginal(int afterMs) throws Exception {
        try (ServiceHarness svc = new ServiceHarness()) {
            String key = "k" + afterMs + "-" + svc.run;
            HttpResponse<String> first = send(svc, key);
            assertEquals(200, first.statusCode(), first.body());
            String id = messageId(first);
            if (afterMs > 0) {
                waitUntil(() -> svc.db.getCollection("outbox").countDocuments() == 0, 10_000, "not delivered");
                Thread.sleep(afterMs);
            }
            ExecutorService pool = Executors.newFixedThreadPool(50);
            try {
                List<Future<HttpResponse<String>>> retries = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    retries.add(pool.submit(() -> send(svc, key)));
                }
                List<String> answers = new ArrayList<>();
                for (Future<HttpResponse<String>> retry : retries) {
                    HttpResponse<String> r = retry.get();
                    answers.add(r.statusCode() == 200 ? messageId(r) : r.statusCode() + " " + r.body());
                }
                assertEquals(java.util.Collections.nCopies(50, id), answers);
            } finally {
                pool.shutdownNow();
            }
            waitUntil(() -> svc.db.getCollection("outbox").countDocuments() == 0, 10_000, "not delivered");
            assertEquals(2, svc.db.getCollection("messages").countDocuments(new Document("message_id", id)),
                    "one copy per timeline, once");
        }
    }
}
