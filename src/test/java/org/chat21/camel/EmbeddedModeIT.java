package org.chat21.camel;

import org.apache.camel.main.Main;
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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zero-setup default: no MONGODB_URI, no RABBITMQ_URI. The same routes run against the embedded
 * MongoDB-wire store (H2 file) and the embedded AMQP broker, and the data survives a restart.
 */
class EmbeddedModeIT {
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void sendsAndListsWithNoExternalServicesAndKeepsDataAcrossRestart(@TempDir Path dataDir) throws Exception {
        int port = EmbeddedBroker.freePort();
        Map<String, String> overrides = Map.of(
                "chat21.mongodb.uri", "", "chat21.rabbitmq.uri", "",
                "chat21.embedded.data-dir", dataDir.toString(),
                "camel.server.port", String.valueOf(port), "camel.server.host", "127.0.0.1");
        String app = "tilechat";
        String id;
        Main main = Application.create(overrides);
        main.start();
        try {
            ServiceHarness.waitUntil(() -> get(port, "/", null).statusCode() == 200, 20_000, "embedded service up");
            HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/" + app + "/messages"))
                    .header("Authorization", "JWT " + TestTokens.user("USER1", app))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("sender_fullname", "User One",
                            "recipient_id", "USER2", "recipient_fullname", "User Two", "text", "hello from embedded"))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, sent.statusCode(), sent.body());
            id = (String) DeliveryIT.result(sent).get("message_id");
            ServiceHarness.waitUntil(() -> listed(port, app, id), 10_000, "conversation in the recipient's list");
        } finally {
            main.stop();
        }
        assertTrue(Files.exists(dataDir.resolve("chatdb.mv")), "H2 file under the data dir");

        Main again = Application.create(overrides);
        again.start();
        try {
            ServiceHarness.waitUntil(() -> get(port, "/", null).statusCode() == 200, 20_000, "embedded service up again");
            assertTrue(listed(port, app, id), "the conversation survived the restart");
        } finally {
            again.stop();
        }
    }

    @Test
    void webhooksRetryThroughTheEmbeddedBrokersStages(@TempDir Path dataDir) throws Exception {
        // the embedded broker has no message TTL nor dead-lettering: the retry stages are plain queues and a relay
        // moves their events back when due
        try (HookReceiver hooks = new HookReceiver()) {
            java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> attempts = new java.util.concurrent.ConcurrentHashMap<>();
            hooks.handle("/e", (hit, n) -> attempts.computeIfAbsent(hit.header("webhook-id"),
                    k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet() <= 2 ? 503 : 200);
            int port = EmbeddedBroker.freePort();
            Map<String, String> overrides = new java.util.HashMap<>(Map.of(
                    "chat21.mongodb.uri", "", "chat21.rabbitmq.uri", "",
                    "chat21.embedded.data-dir", dataDir.toString(),
                    "chat21.embedded.amqp-port", String.valueOf(EmbeddedBroker.freePort()),
                    "camel.server.port", String.valueOf(port), "camel.server.host", "127.0.0.1"));
            overrides.putAll(Map.of("chat21.webhooks.enabled", "true", "chat21.webhooks.events", "message-sent",
                    "chat21.webhooks.endpoints", hooks.url("/e"), "chat21.webhooks.retry-schedule", "300ms,300ms"));
            Main main = Application.create(overrides);
            main.start();
            try {
                ServiceHarness.waitUntil(() -> get(port, "/", null).statusCode() == 200, 20_000, "embedded service up");
                HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/tilechat/messages"))
                        .header("Authorization", "JWT " + TestTokens.user("USER1", "tilechat"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("recipient_id", "USER2",
                                "recipient_fullname", "User Two", "sender_fullname", "User One", "text", "hook me"))))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, sent.statusCode(), sent.body());
                ServiceHarness.waitUntil(() -> hooks.at("/e", h -> "3".equals(h.header("X-Chat21-Attempt"))).size() == 1,
                        15_000, "the third attempt, accepted");
                List<String> numbers = hooks.at("/e", h -> true).stream().map(h -> h.header("X-Chat21-Attempt")).toList();
                assertEquals(List.of("1", "2", "3"), numbers);
                long waited = hooks.at("/e", h -> true).get(1).at() - hooks.at("/e", h -> true).get(0).at();
                assertTrue(waited >= 250, "the retry waited its stage: " + waited + " ms");
            } finally {
                main.stop();
            }
        }
    }

    private boolean listed(int port, String app, String id) throws Exception {
        HttpResponse<String> list = get(port, "/api/" + app + "/USER2/conversations", TestTokens.user("USER2", app));
        List<?> result = (List<?>) Json.readMap(list.body()).get("result");
        return result.stream().anyMatch(c -> id.equals(((Map<?, ?>) c).get("message_id"))
                && "USER1".equals(((Map<?, ?>) c).get("conversWith")));
    }

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
        if (token != null) {
            b.header("Authorization", "JWT " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
