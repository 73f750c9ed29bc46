package org.chat21.camel;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.apache.camel.main.Main;
import org.chat21.camel.common.Json;
import org.chat21.camel.webhooks.WebhookEndpoints;
import org.chat21.camel.infra.EmbeddedBroker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One running service for integration tests: the real YAML routes and properties of the working
 * directory, the machine's real RabbitMQ (127.0.0.1:5672) and a mongo-java-server reached over the wire
 * protocol. Exchanges, queues and the app id are unique to the run, so runs never see each other.
 */
final class ServiceHarness implements AutoCloseable {
    static final String RABBIT = System.getenv().getOrDefault("TEST_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
    /** the durable queues' type the services under test declare: the service reads the same variable */
    static final String QUEUE_TYPE = System.getenv().getOrDefault("RABBITMQ_QUEUE_TYPE", "quorum");

    final String run;
    final String appId;
    final int port;
    final int managementPort;
    final MongoServer mongoServer;
    final MongoClient mongoClient;
    final MongoDatabase db;
    final Main main;
    final Map<String, String> overrides = new HashMap<>();
    private final boolean shared;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServiceHarness() throws Exception {
        this(Map.of(), null);
    }

    /** @param shareMongo an existing store to share (several instances), or null for a fresh one */
    ServiceHarness(Map<String, String> extra, MongoServer shareMongo) throws Exception {
        this(extra, shareMongo, UUID.randomUUID().toString().substring(0, 8), (db, app) -> { }, true);
    }

    /** A service whose routes have started, not waited for until it answers (its start-up warm-up, say). */
    static ServiceHarness notWaitedFor(Map<String, String> extra) throws Exception {
        return new ServiceHarness(extra, null, UUID.randomUUID().toString().substring(0, 8), (db, app) -> { }, false);
    }

    /** A service of a given run id (its app id is {@code app<run>}), for files written before it starts. */
    static ServiceHarness ofRun(Map<String, String> extra, String run) throws Exception {
        return new ServiceHarness(extra, null, run, (db, app) -> { }, true);
    }

    /**
     * A service started on a store that {@code prepare} filled first (given the database and the run's app
     * id), as another program left it.
     */
    static ServiceHarness onPrepared(BiConsumer<MongoDatabase, String> prepare) throws Exception {
        return new ServiceHarness(Map.of(), null, UUID.randomUUID().toString().substring(0, 8), prepare, true);
    }

    /**
     * A second instance of {@code first}'s service: the same store, app id, delivery queues and group
     * change exchange, its own HTTP port. Close it before {@code first}.
     */
    static ServiceHarness secondInstance(ServiceHarness first) throws Exception {
        return new ServiceHarness(Map.of(), first.mongoServer, first.run, (db, app) -> { }, true);
    }

    private ServiceHarness(Map<String, String> extra, MongoServer shareMongo, String run,
                           BiConsumer<MongoDatabase, String> prepare, boolean waitForAnswer) throws Exception {
        // the machine's RabbitMQ, checked once: without it, one line and no waiting (a service given a broker
        // of its own does not need it)
        if (!extra.containsKey("chat21.rabbitmq.uri")) {
            TestBroker.require();
        }
        this.run = run;
        this.appId = "app" + run;
        this.shared = shareMongo != null;
        mongoServer = shareMongo != null ? shareMongo : new MongoServer(new MemoryBackend());
        String mongoAddress = shareMongo != null ? shareMongo.getLocalAddress().toString() : mongoServer.bind().toString();
        String mongoUri = "mongodb://" + mongoAddress.replaceFirst("^.*/", "") + "/chatdb";
        port = EmbeddedBroker.freePort();
        overrides.put("camel.server.port", String.valueOf(port));
        overrides.put("camel.server.host", "127.0.0.1");
        managementPort = EmbeddedBroker.freePort();
        overrides.put("camel.management.port", String.valueOf(managementPort));
        overrides.put("camel.management.host", "127.0.0.1");
        overrides.put("chat21.mongodb.uri", mongoUri);
        overrides.put("chat21.rabbitmq.uri", RABBIT);
        overrides.put("chat21.exchange.group-changes", "it." + run + ".group-changes");
        // this run's client publications only, from queues of its own
        overrides.put("chat21.observer.app", "app" + run);
        overrides.put("chat21.observer.queue-prefix", "it." + run + ".observer");
        // this run's events exchange, queues and overflow (webhooks and bridges)
        overrides.put("chat21.webhooks.exchange", "it." + run + ".webhooks");
        overrides.put("chat21.webhooks.queue-prefix", "it." + run + ".webhooks");
        overrides.put("chat21.relay.interval-ms", "300");
        overrides.put("chat21.relay.pending-after-ms", "1000");
        // no start-up warm-up unless a test asks (WarmupIT)
        overrides.put("chat21.warmup", "off");
        overrides.putAll(extra);
        mongoClient = MongoClients.create(mongoUri);
        db = mongoClient.getDatabase("chatdb");
        prepare.accept(db, appId);
        main = Application.create(overrides);
        main.start();
        if (waitForAnswer) {
            waitUntil(() -> get("/", null).statusCode() == 200, 15_000, "service did not answer on port " + port);
        }
    }

    /** GET on the management port (health, metrics). */
    HttpResponse<String> manage(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "JWT " + token);
        }
        return send(b.build());
    }

    HttpResponse<String> post(String path, String token, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "JWT " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    /** Any method, with an optional JSON body (null: none). */
    HttpResponse<String> request(String method, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "JWT " + token);
        }
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** POSTs a direct message from {@code from} to {@code to}. */
    HttpResponse<String> sendText(String from, String to, String text) {
        return post("/api/" + appId + "/messages", TestTokens.user(from, appId), Json.write(Map.of(
                "sender_fullname", from + " Name", "recipient_id", to, "recipient_fullname", to + " Name", "text", text)));
    }

    String user(String sub) {
        return TestTokens.user(sub, appId);
    }

    @Override
    public void close() throws Exception {
        main.stop();
        mongoClient.close();
        if (!shared) {
            mongoServer.shutdownNow();
            deleteBrokerObjects();
        }
    }

    /**
     * This run's queues and exchanges go with it, deleted on the machine's RabbitMQ directly (whatever URI
     * the service used: a relay, or a dead port); deleting what was never declared is harmless.
     */
    void deleteBrokerObjects() {
        try (Subscriber admin = new Subscriber()) {
            admin.channel.exchangeDelete(overrides.get("chat21.exchange.group-changes"));
            for (String kind : new String[] {"messages", "receipts", "conversations", "archives", "presence"}) {
                admin.channel.queueDelete(overrides.get("chat21.observer.queue-prefix") + "." + kind);
            }
            String hooks = overrides.get("chat21.webhooks.queue-prefix");
            if (hooks != null) {
                for (String url : WebhookEndpoints.parseUrls(overrides.getOrDefault("chat21.webhooks.endpoints", ""))) {
                    admin.channel.queueDelete(WebhookEndpoints.queueName(hooks, url));
                }
                admin.channel.queueDelete(hooks + ".push");
                admin.channel.queueDelete(hooks + ".overflow");
                String exchange = overrides.get("chat21.webhooks.exchange");
                admin.channel.exchangeDelete(exchange);
                admin.channel.exchangeDelete(exchange + ".overflow");
                admin.channel.exchangeDelete(exchange + ".retry");
                admin.channel.exchangeDelete(exchange + ".retry.redeliver");
                for (java.time.Duration stage : org.chat21.camel.outbound.RetrySchedule.parse(overrides.getOrDefault(
                        "chat21.webhooks.retry-schedule", "5s,5m,30m,2h,5h,10h,10h")).stages()) {
                    admin.channel.queueDelete(exchange + ".retry." + org.chat21.camel.outbound.RetrySchedule.label(stage));
                }
            }
        } catch (Exception e) {
            System.err.println("could not delete test queues: " + e);
        }
    }

    static void waitUntil(Check check, long timeoutMs, String what) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Throwable last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Throwable e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(what, last);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /**
     * A client subscribed to timelines the way Chat21's MQTT clients are: a queue bound to
     * {@code amq.topic} with a routing-key pattern ({@code apps.<app>.users.<me>.#}).
     */
    static final class Subscriber implements AutoCloseable {
        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        private final Connection connection;
        final Channel channel;

        /** Another channel on this connection (for a call that may close its channel, such as a passive declare). */
        Channel newChannel() throws java.io.IOException {
            return connection.createChannel();
        }

        Subscriber(String... bindings) throws Exception {
            TestBroker.require();
            ConnectionFactory cf = new ConnectionFactory();
            cf.setUri(RABBIT);
            connection = cf.newConnection("chat21-camel-test");
            channel = connection.createChannel();
            String queue = channel.queueDeclare("", false, true, true, null).getQueue();
            for (String binding : bindings) {
                channel.queueBind(queue, "amq.topic", binding);
            }
            DeliverCallback cb = (tag, delivery) -> received.add(new Received(delivery.getEnvelope().getRoutingKey(),
                    Json.readMap(delivery.getBody())));
            channel.basicConsume(queue, true, cb, tag -> { });
        }

        /** Waits for {@code n} deliveries. */
        List<Received> take(int n, long timeoutMs) throws InterruptedException {
            List<Received> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (out.size() < n) {
                Received r = received.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                if (r == null) {
                    break;
                }
                out.add(r);
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            connection.close();
        }
    }

    record Received(String routingKey, Map<String, Object> body) {
    }
}
