package org.chat21.camel.infra;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.broker.BrokerAddresses;
import org.chat21.camel.common.StartupFailure;
import org.chat21.camel.common.StoreInfo;
import org.chat21.camel.common.Wiring;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The MongoDB client (or the embedded MongoDB-wire store when {@code MONGODB_URI} is unset) and the indexes.
 * Binds {@code mongo}, {@code chatDb} and {@code storeInfo} (what the features need to know of the store), and
 * the property {@code chat21.mongodb.database} for the routes.
 */
public class StoreSetup implements CamelConfiguration {
    @PropertyInject("chat21.mongodb.uri")
    String mongoUri;
    @PropertyInject("chat21.mongodb.write-concern")
    String mongoWriteConcern;
    @PropertyInject("chat21.mongodb.timeout-ms")
    long mongoTimeoutMs;
    @PropertyInject("chat21.embedded.data-dir")
    String dataDir;

    /** for the start lines */
    private String mode;

    /** What the store is, for the start lines: external (its URI, redacted) or the embedded stand-in. */
    String mode() {
        return mode;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        mode = "external MongoDB " + BrokerAddresses.redact(mongoUri.trim());
        String mongo = mongoUri.trim();
        if (mongo.isEmpty()) {
            EmbeddedMongo embedded = new EmbeddedMongo(Path.of(dataDir));
            embedded.start();
            context.addService(embedded, true, true);
            mongo = embedded.uri();
            mode = "embedded MongoDB-wire store (mongo-java-server, H2 file " + embedded.file() + ")";
        }
        ConnectionString connection = new ConnectionString(mongo);
        MongoClientSettings.Builder settings = MongoClientSettings.builder().applyConnectionString(connection);
        if (connection.getServerSelectionTimeout() == null) {
            settings.applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS));
        }
        // every operation bounded (the driver's client-side operation timeout): a store that stops answering
        // (paused, partitioned) makes requests fail with 503 in that time instead of hanging on a socket
        if (mongoTimeoutMs > 0 && connection.getTimeout() == null) {
            settings.timeout(mongoTimeoutMs, TimeUnit.MILLISECONDS);
        }
        // the driver's server monitor (and each new connection) gives up on a silent peer after this: with the
        // default 10 s a store that came back was seen 10 s late
        if (mongoTimeoutMs > 0 && connection.getConnectTimeout() == null) {
            settings.applyToSocketSettings(b -> b.connectTimeout((int) Math.max(1000, mongoTimeoutMs), TimeUnit.MILLISECONDS));
        }
        // what the guarantees rest on (the outbox, the copies, group changes) is acknowledged by a majority of a
        // replica set, journaled: a failover cannot roll back a message that was answered 200. Reads go to the
        // primary (the driver's default), so history read after a send sees it. The URI's w / journal win
        if (connection.getWriteConcern() == null) {
            settings.writeConcern(writeConcern(mongoWriteConcern));
        }
        MongoClient client = MongoClients.create(settings.build());
        Wiring.closeOnStop(context, client);
        String database = connection.getDatabase() == null ? "chatdb" : connection.getDatabase();
        context.getPropertiesComponent().addInitialProperty("chat21.mongodb.database", database);
        MongoDatabase db = client.getDatabase(database);
        // on a database of the original Chat21 some unique keys may not hold: the stores that rely on one are told
        Indexes.Uniqueness unique = Indexes.ensure(indexing(db));
        context.getRegistry().bind("mongo", client);
        context.getRegistry().bind("chatDb", db);
        context.getRegistry().bind("storeInfo", new StoreInfo(mongoTimeoutMs, unique.messages(), mongoUri.trim().isEmpty()));
    }

    /** The database for index builds: on a large existing database they take as long as they take (no operation timeout). */
    static MongoDatabase indexing(MongoDatabase db) {
        return db.withTimeout(0, TimeUnit.MILLISECONDS);
    }

    /** majority (journaled) or a number of members; anything else stops the start-up. */
    static WriteConcern writeConcern(String setting) {
        String w = setting.trim();
        if (w.equalsIgnoreCase("majority")) {
            return WriteConcern.MAJORITY.withJournal(true);
        }
        try {
            int members = Integer.parseInt(w);
            if (members >= 1) {
                return new WriteConcern(members).withJournal(true);
            }
        } catch (NumberFormatException notANumber) {
            // told below
        }
        throw new StartupFailure("chat21.mongodb.write-concern (MONGODB_WRITE_CONCERN) is majority or a number of "
                + "members (1 or more), not '" + setting + "'");
    }
}
