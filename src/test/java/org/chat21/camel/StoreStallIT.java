package org.chat21.camel;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store stops answering (as a SIGSTOPped process: connections open, nothing comes back), then is gone
 * (killed: connections refused): every kind of request is answered 503 within 2 s, never hangs; once the
 * store is back the same requests succeed within 2 s, with no restart.
 */
class StoreStallIT {
    static final long BOUND_MS = 2_000;

    record Timed(String what, int status, long ms) {
    }

    static Timed time(String what, Supplier<HttpResponse<String>> request) {
        long start = System.nanoTime();
        HttpResponse<String> r = request.get();
        return new Timed(what, r.statusCode(), (System.nanoTime() - start) / 1_000_000);
    }

    static List<Timed> everyKind(ServiceHarness svc, int round) {
        String token = svc.user("stall1");
        String api = "/api/" + svc.appId;
        List<Timed> answers = new ArrayList<>();
        answers.add(time("send", () -> svc.sendText("stall1", "stall2", "round " + round)));
        answers.add(time("list", () -> svc.get(api + "/stall1/conversations", token)));
        answers.add(time("history", () -> svc.get(api + "/stall1/conversations/stall2/messages", token)));
        answers.add(time("group create", () -> svc.post(api + "/groups", token, Json.write(Map.of(
                "group_id", "g" + round + svc.run, "group_name", "G", "group_members", Map.of("stall2", 1))))));
        answers.add(time("archive", () -> svc.request("DELETE", api + "/conversations/stall2", token, null)));
        return answers;
    }

    @Test
    void aStalledOrKilledStoreIs503WithinTwoSecondsAndRecovers() throws Exception {
        MongoServer store = new MongoServer(new MemoryBackend());
        java.net.InetSocketAddress address = store.bind();
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", address.getPort());
             ServiceHarness svc = new ServiceHarness(Map.of(
                     "chat21.mongodb.uri", "mongodb://127.0.0.1:" + proxy.port() + "/chatdb"), null)) {
            assertEquals(200, svc.sendText("stall1", "stall2", "before").statusCode());

            for (String fault : new String[] {"stalled", "killed"}) {
                if (fault.equals("stalled")) {
                    proxy.stall();
                } else {
                    proxy.cut();
                }
                List<Timed> during = everyKind(svc, fault.length());
                System.out.println("store " + fault + ": " + during);
                for (Timed t : during) {
                    assertEquals(503, t.status(), fault + ": " + t);
                    assertTrue(t.ms() <= BOUND_MS, fault + ": answered after " + t.ms() + " ms: " + t);
                }
                if (fault.equals("stalled")) {
                    proxy.unstall();
                } else {
                    proxy.restore();
                }
                long back = System.nanoTime();
                waitUntil(() -> svc.sendText("stall1", "stall2", "after " + fault).statusCode() == 200, 10_000,
                        "no recovery after the store was " + fault);
                long recoveredMs = (System.nanoTime() - back) / 1_000_000;
                System.out.println("store " + fault + ": sends answered 200 again " + recoveredMs + " ms after its return");
                assertTrue(recoveredMs <= BOUND_MS, "recovered after " + recoveredMs + " ms");
                assertEquals(200, svc.get("/api/" + svc.appId + "/stall1/conversations", svc.user("stall1")).statusCode());
            }
        } finally {
            store.shutdownNow();
        }
    }

    /**
     * A store that comes back empty after an outage the service noticed (a stand-in restarted, a restore): the
     * unique keys are made again, no restart.
     */
    @Test
    void aStoreThatComesBackEmptyGetsItsUniqueKeysAgain() throws Exception {
        MongoServer first = new MongoServer(new MemoryBackend());
        int port = first.bind().getPort();
        MongoServer second = null;
        try (ServiceHarness svc = new ServiceHarness(Map.of(
                "chat21.mongodb.uri", "mongodb://127.0.0.1:" + port + "/chatdb"), null)) {
            assertEquals(200, svc.sendText("stall1", "stall2", "before").statusCode());
            first.shutdownNow();
            waitUntil(() -> svc.manage("/observe/health/ready").statusCode() == 503, 10_000, "store outage not noticed");
            // long enough for the outage probe (every second, each bounded by the operation timeout) to see it
            Thread.sleep(3_000);
            second = new MongoServer(new MemoryBackend());
            second.bind("127.0.0.1", port);
            try (com.mongodb.client.MongoClient client = com.mongodb.client.MongoClients.create("mongodb://127.0.0.1:" + port)) {
                var messages = client.getDatabase("chatdb").getCollection("messages");
                waitUntil(() -> {
                    for (org.bson.Document index : messages.listIndexes()) {
                        if (Boolean.TRUE.equals(index.getBoolean("unique"))) {
                            return true;
                        }
                    }
                    return false;
                }, 10_000, "the unique keys were not made again on the new store");
            }
            waitUntil(() -> svc.sendText("stall1", "stall2", "after").statusCode() == 200, 5_000, "no recovery");
        } finally {
            if (second != null) {
                second.shutdownNow();
            }
        }
    }
}
