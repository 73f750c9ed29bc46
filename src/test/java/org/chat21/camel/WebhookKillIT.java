package org.chat21.camel;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.chat21.camel.HookReceiver.Hit;
import org.chat21.camel.common.Json;
import org.chat21.camel.infra.EmbeddedBroker;
import org.chat21.camel.webhooks.WebhookEndpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process killed ({@code kill -9}) while webhook events wait in the broker's retry stages loses none of them
 * (issue 23): the packaged jar as a process of its own, the machine's RabbitMQ, a store in this JVM, a receiver
 * that fails every event's first two attempts. Killed once every event has failed its first attempt, started
 * again: every event accepted once or more, none missing.
 */
@RequiresRabbitMQ
class WebhookKillIT {
    static final String APP = "tilechat";

    @Test
    void eventsWaitingInRetryStagesSurviveAKill(@TempDir Path dir) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String exchange = "it." + run + ".webhooks";
        MongoServer mongo = new MongoServer(new MemoryBackend());
        String mongoAddress = mongo.bind().toString().replaceFirst("^.*/", "");
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        Process process = null;
        HookReceiver hooks = new HookReceiver();
        String endpointQueue = WebhookEndpoints.queueName(exchange, hooks.url("/k"));
        try {
            // accepted by what the receiver answered, not by X-Chat21-Attempt: an event whose first attempt was under
            // way at the kill is delivered again as attempt 1, so its acceptance can come at attempt 2
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            hooks.handle("/k", (hit, n) -> {
                if (attempts.computeIfAbsent(hit.header("webhook-id"), k -> new AtomicInteger()).incrementAndGet() <= 2) {
                    return 500;
                }
                accepted.addAll(messageIds(List.of(hit)));
                return 200;
            });
            int port = EmbeddedBroker.freePort();
            List<String> jvm = List.of("-Dchat21.webhooks.exchange=" + exchange, "-Dchat21.webhooks.queue-prefix=" + exchange,
                    "-Dchat21.observer.app=app" + run, "-Dchat21.observer.queue-prefix=it." + run + ".observer",
                    "-Dchat21.exchange.group-changes=it." + run + ".group-changes",
                    // every first attempt fails here: the circuit must not open
                    "-Dchat21.webhooks.circuit.minimum-calls=100000");
            Map<String, String> env = Map.of(
                    "MONGODB_URI", "mongodb://" + mongoAddress + "/chatdb",
                    "RABBITMQ_URI", ServiceHarness.RABBIT,
                    "WEBHOOK_ENABLED", "true",
                    "WEBHOOK_EVENTS", "message-sent",
                    "WEBHOOK_ENDPOINTS", hooks.url("/k"),
                    "WEBHOOK_RETRY_SCHEDULE", "3s,1s");
            process = start(jvm, env, dir, port, "first");

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String from = "kf" + run;
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/"
                                + APP + "/messages")).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "JWT " + TestTokens.user(from, APP)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("recipient_id", "kt" + run,
                                "recipient_fullname", "K", "sender_fullname", "F", "text", "kill " + i)))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                ids.add((String) ((Map<?, ?>) Json.readMap(r.body()).get("result")).get("message_id"));
            }
            // every event failed once: they wait in the 3 s stage (none is due yet); kill -9 now
            try {
                waitUntil(() -> messageIds(hooks.at("/k", h -> "1".equals(h.header("X-Chat21-Attempt")))).containsAll(ids),
                        15_000, "every event's first attempt");
            } catch (AssertionError e) {
                System.out.println(hooks.at("/k", h -> true).size() + " POSTs; the service's log:\n" + Files.readString(dir.resolve("first.log")));
                throw e;
            }
            long parked;
            try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
                parked = admin.channel.messageCount(exchange + ".retry.3s");
            }
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            System.out.println("[webhooks] killed with " + parked + " events in the retry stage");
            assertTrue(parked > 0, "events were waiting in the retry stage at the kill");

            process = start(jvm, env, dir, port, "second");
            waitUntil(() -> accepted.containsAll(ids), 30_000, "every event accepted after the restart");
            long posts = hooks.at("/k", h -> true).size();
            long repeats = attempts.values().stream().filter(a -> a.get() > 3).count();
            System.out.println("[webhooks] after the kill: " + ids.size() + " events, all accepted; " + posts + " POSTs, "
                    + repeats + " events delivered again after their acceptance");
        } finally {
            if (process != null) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
                for (String q : List.of(exchange + ".retry.3s", exchange + ".retry.1s", exchange + ".overflow",
                        endpointQueue)) {
                    admin.channel.queueDelete(q);
                }
                for (String kind : new String[] {"messages", "receipts", "conversations", "archives", "presence"}) {
                    admin.channel.queueDelete("it." + run + ".observer." + kind);
                }
                for (String x : List.of(exchange, exchange + ".overflow", exchange + ".retry", exchange + ".retry.redeliver",
                        "it." + run + ".group-changes")) {
                    admin.channel.exchangeDelete(x);
                }
            }
            mongo.shutdownNow();
            hooks.close();
        }
    }

    private static Set<String> messageIds(List<Hit> hits) {
        return hits.stream().map(h -> h.json().get("data") instanceof Map<?, ?> d ? String.valueOf(d.get("message_id")) : "")
                .collect(Collectors.toSet());
    }

    private static Process start(List<String> jvm, Map<String, String> env, Path dir, int port, String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        Process p = StartupIT.start(StartupIT.REPO.resolve("target/chat21-camel.jar"), jvm, env, StartupIT.REPO, log,
                StartupIT.REPO.toString(), port, "WARN", "plain");
        HttpClient http = HttpClient.newHttpClient();
        try {
            waitUntil(() -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/" + APP + "/getInfo"))
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 401;
                } catch (IOException notYet) {
                    return false;
                }
            }, 90_000, "the service did not start");
        } catch (AssertionError e) {
            System.out.println(Files.readString(log));
            throw e;
        }
        return p;
    }
}
