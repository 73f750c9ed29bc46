package org.chat21.camel.routes;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.AvailablePortFinder;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.bson.Document;
import org.chat21.camel.TestTokens;
import org.chat21.camel.common.Json;
import org.chat21.camel.infra.Chat21Setup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * Route tests of the shipped YAML (routes/*.yaml, application.properties) with camel-test-main-junit5:
 * the real composition root ({@link Chat21Setup}), a MongoDB-wire stand-in (mongo-java-server, in memory,
 * over the wire protocol) and no broker at all: the RabbitMQ URI points at a dead port, the delivery
 * consumers are replaced by {@code direct:} endpoints and subclasses replace whatever else would publish.
 * A context is built, advised and started per test method; each test has its own app id.
 */
abstract class RouteTestSupport extends CamelMainTestSupport {
    static final int HTTP_PORT = AvailablePortFinder.getNextAvailable();
    static final String DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1";
    /** The step of dispatch that publishes a delivery job (both branches of its choice). */
    static final String RABBIT_PRODUCERS = "spring-rabbitmq:*";

    static MongoServer mongoServer;
    static String mongoUri;
    static MongoClient mongoClient;
    static MongoDatabase db;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** This test's app: nothing another test stored is ever seen. */
    protected final String app = "app" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startMongo() {
        mongoServer = new MongoServer(new MemoryBackend());
        // a port from the same finder as HTTP_PORT: bound to any free port, the store once took HTTP_PORT itself
        // (the finder had released it) and every test of the class failed
        int port = AvailablePortFinder.getNextAvailable();
        mongoServer.bind("127.0.0.1", port);
        mongoUri = "mongodb://127.0.0.1:" + port + "/chatdb";
        mongoClient = MongoClients.create(mongoUri);
        db = mongoClient.getDatabase("chatdb");
    }

    @AfterAll
    static void stopMongo() {
        mongoClient.close();
        mongoServer.shutdownNow();
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "classpath:application.properties;optional=true,file:application.properties;optional=true";
    }

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        Chat21Setup.addTo(configuration);
    }

    /** Runs in the CamelTestSupport constructor: only statics and constants may be used here. */
    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        p.put("chat21.mongodb.uri", mongoUri);
        p.put("chat21.rabbitmq.uri", DEAD_BROKER);
        p.put("camel.server.port", String.valueOf(HTTP_PORT));
        p.put("camel.server.host", "127.0.0.1");
        // the relay never runs during a test: what a route leaves in the outbox stays as the route left it
        p.put("chat21.relay.interval-ms", "600000");
        extraProperties(p);
        return p;
    }

    /** Settings of a test class (constants only: this runs in the constructor). */
    protected void extraProperties(Properties p) {
    }

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @BeforeEach
    void adviseAndStart() throws Exception {
        advise();
        context.start();
    }

    /** The advice of a test class, applied before the context starts. */
    protected void advise() throws Exception {
    }

    // --- HTTP --------------------------------------------------------------------------------

    protected String user(String sub) {
        return TestTokens.user(sub, app);
    }

    protected static HttpResponse<String> http(String method, String path, String token, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP_PORT + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "JWT " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected static Map<String, Object> json(HttpResponse<String> response) {
        return Json.readMap(response.body());
    }

    /** A direct message as a client POSTs it. */
    protected static String directMessage(String to, String text) {
        return Json.write(Map.of("sender_fullname", "Sender Name", "recipient_id", to,
                "recipient_fullname", to + " Name", "text", text));
    }

    // --- store -------------------------------------------------------------------------------

    protected long outboxCount(Document filter) {
        return db.getCollection("outbox").countDocuments(filter);
    }

    protected Document outboxEntry(String messageId) {
        return db.getCollection("outbox").find(new Document("_id", messageId)).first();
    }

    // --- waiting -----------------------------------------------------------------------------

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code check} every 20 ms for up to 5 s. */
    protected static void await(String what, Check check) throws Exception {
        long deadline = System.currentTimeMillis() + 5000;
        Throwable last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception | AssertionError e) {
                last = e;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting: " + what, last);
    }
}
