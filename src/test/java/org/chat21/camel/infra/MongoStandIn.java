package org.chat21.camel.infra;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The store of a bean test: a fresh mongo-java-server for each test, reached over the wire by the official
 * driver, gone after it. {@code @RegisterExtension final MongoStandIn store = new MongoStandIn();} then
 * {@code store.db()} (in the test's own @BeforeEach too: this one runs first).
 */
public final class MongoStandIn implements BeforeEachCallback, AfterEachCallback {
    private MongoServer server;
    private MongoClient client;

    @Override
    public void beforeEach(ExtensionContext context) {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://" + server.bind().getHostString() + ":" + server.getLocalAddress().getPort());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        client.close();
        server.shutdownNow();
    }

    /** The test's database (one server per test: nothing of another test is in it). */
    public MongoDatabase db() {
        return client.getDatabase("chatdb");
    }
}
