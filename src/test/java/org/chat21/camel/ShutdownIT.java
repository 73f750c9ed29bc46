package org.chat21.camel;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.chat21.camel.infra.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up, then SIGTERM under load, the packaged jar in embedded mode (its store in an H2 file the test opens afterwards):
 * every request is answered 200, or 503 with Retry-After once the stop has begun, never 404 or another
 * error; no ERROR line is logged; and every message answered 200 was delivered (both copies stored, the
 * outbox empty) before the process exited.
 */
class ShutdownIT {
    static final int SENDERS = 4;

    record Answer(int status, String retryAfter, String body) {
    }

    @Test
    @SuppressWarnings("unchecked")
    void sigtermUnderLoadAnswersEveryRequestAndLosesNothing(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("out.log");
        int port = EmbeddedBroker.freePort();
        Process service = StartupIT.start(dir, log, StartupIT.REPO.toString(), port, "INFO");
        String run = UUID.randomUUID().toString().substring(0, 8);
        String sender = "s" + run;
        String recipient = "r" + run;
        String token = TestTokens.user(sender, "tilechat");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI send = URI.create("http://127.0.0.1:" + port + "/api/tilechat/messages");
        List<Answer> answers = new CopyOnWriteArrayList<>();
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        try {
            // while it starts: no answer (not listening yet), then 503 with Retry-After until every route is
            // there, then the route's own answer (401: no token); never a 404
            List<String> starting = new ArrayList<>();
            URI info = URI.create("http://127.0.0.1:" + port + "/api/tilechat/getInfo");
            ServiceHarness.waitUntil(() -> {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(info).timeout(Duration.ofSeconds(2)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    starting.add(r.statusCode() + (r.headers().firstValue("Retry-After").isPresent() ? " retry" : "")
                            + " " + r.body());
                    return r.statusCode() == 401;
                } catch (java.io.IOException notListening) {
                    Thread.sleep(20);
                    return false;
                }
            }, 90_000, "the service did not start");
            for (String answer : starting) {
                assertTrue(answer.startsWith("401 ") || answer.startsWith("503 retry {"), "while starting: " + answer);
            }
            System.out.println("while starting: " + (starting.size() - 1) + " answered 503");

            // senders that go on until the connection is refused (the process is gone)
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < SENDERS; t++) {
                int thread = t;
                Thread sending = new Thread(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        HttpRequest request = HttpRequest.newBuilder(send).timeout(Duration.ofSeconds(30))
                                .header("Authorization", "JWT " + token).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of(
                                        "sender_fullname", "S", "recipient_id", recipient, "recipient_fullname", "R",
                                        "text", "m " + thread + " " + i))))
                                .build();
                        try {
                            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                            answers.add(new Answer(r.statusCode(), r.headers().firstValue("Retry-After").orElse(null), r.body()));
                            if (r.statusCode() == 200) {
                                Map<String, Object> result = (Map<String, Object>) Json.readMap(r.body()).get("result");
                                accepted.add((String) result.get("message_id"));
                            }
                        } catch (Exception e) {
                            // connection refused or closed: the listener is gone
                            if (!service.isAlive() || refused.incrementAndGet() > 10_000) {
                                return;
                            }
                        }
                    }
                }, "sender-" + t);
                sending.start();
                senders.add(sending);
            }
            ServiceHarness.waitUntil(() -> accepted.size() >= 50, 60_000, "no load");
            long stopAt = System.nanoTime();
            service.destroy(); // SIGTERM
            assertTrue(service.waitFor(60, TimeUnit.SECONDS), "the service did not stop within 60 s");
            long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);
            for (Thread t : senders) {
                t.join(30_000);
            }
            String out = Files.readString(log);

            long ok = answers.stream().filter(a -> a.status() == 200).count();
            List<Answer> unavailable = answers.stream().filter(a -> a.status() == 503).toList();
            List<Answer> other = answers.stream().filter(a -> a.status() != 200 && a.status() != 503).toList();
            System.out.printf("SIGTERM under load: %d answered 200, %d answered 503, %d other; stopped in %d ms, exit %d%n",
                    ok, unavailable.size(), other.size(), stopMs, service.exitValue());
            assertEquals(List.of(), other, "only 200 or 503 (never 404)");
            assertFalse(unavailable.isEmpty(), "the requests of the stop's first moments were answered 503");
            for (Answer a : unavailable) {
                assertEquals("5", a.retryAfter(), a.body());
                assertEquals(false, Json.readMap(a.body()).get("success"), a.body());
            }
            assertFalse(out.contains(" ERROR "), "no ERROR line on a clean stop:\n" + out);
            assertTrue(out.contains("stopping: new requests refused (503)"), out);
        } finally {
            service.destroyForcibly();
        }

        // every 200 delivered before the exit: both copies stored, nothing left in the outbox
        H2Backend backend = new H2Backend(dir.resolve("data/chatdb.mv").toString());
        MongoServer store = new MongoServer(backend);
        try (MongoClient client = MongoClients.create("mongodb://" + store.bind().getHostString() + ":"
                + store.getLocalAddress().getPort())) {
            MongoDatabase db = client.getDatabase("chatdb");
            assertEquals(0, db.getCollection("outbox").countDocuments(), "accepted messages left undelivered");
            Set<String> missing = new java.util.HashSet<>(accepted);
            Map<String, Integer> copies = new java.util.HashMap<>();
            for (Document copy : db.getCollection("messages").find(new Document("sender", sender))) {
                copies.merge(copy.getString("message_id"), 1, Integer::sum);
            }
            missing.removeIf(id -> copies.getOrDefault(id, 0) == 2);
            assertEquals(Set.of(), missing, "accepted messages without their two copies");
        } finally {
            store.shutdownNow();
        }
    }
}
