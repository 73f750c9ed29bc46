package org.chat21.camel.infra;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.chat21.camel.Application;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The migrate-indexes command, as {@code java -jar chat21-camel.jar migrate-indexes} runs it (through
 * Application, with the MongoDB URI as a property), on a database of the original Chat21 in mongo-java-server.
 */
class IndexMigrationTest {
    MongoServer server;
    MongoClient client;
    MongoDatabase db;
    String uri;
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() {
        server = new MongoServer(new MemoryBackend());
        String address = server.bind().getHostString() + ":" + server.getLocalAddress().getPort();
        String name = "migrate_" + UUID.randomUUID().toString().substring(0, 8);
        uri = "mongodb://" + address + "/" + name;
        client = MongoClients.create("mongodb://" + address);
        db = client.getDatabase(name);
        OriginalChat21.createIndexes(db);
        db.getCollection("messages").insertMany(List.of(
                OriginalChat21.messageCopy("tilechat", "m1", "alice", "alice", "bob", "hi", 100, 10),
                OriginalChat21.messageCopy("tilechat", "m1", "bob", "alice", "bob", "hi", 150, 10)));
        db.getCollection("groups").insertOne(OriginalChat21.group("tilechat", "group-a", "alice", List.of("alice", "bob"), 5));
    }

    @AfterEach
    void tearDown() {
        db.drop();
        client.close();
        server.shutdownNow();
    }

    int migrate() {
        printed.reset();
        return Application.migrateIndexes(Map.of("chat21.mongodb.uri", uri), new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    String output() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    Document index(String collection, String... fields) {
        return Indexes.indexOn(db.getCollection(collection), List.of(fields));
    }

    @Test
    void refusesWithDuplicatesListingThemAndChangesNothing() {
        db.getCollection("messages").insertMany(List.of(
                OriginalChat21.messageCopy("tilechat", "m1", "bob", "alice", "bob", "hi", 150, 10),
                OriginalChat21.messageCopy("tilechat", "m1", "bob", "alice", "bob", "hi", 150, 10)));
        db.getCollection("instances").insertMany(List.of(
                new Document("instance_id", "i1").append("app_id", "tilechat").append("user_id", "alice"),
                new Document("instance_id", "i1").append("app_id", "tilechat").append("user_id", "bob")));

        assertEquals(IndexMigration.DUPLICATES, migrate(), output());
        String out = output();
        assertTrue(out.contains("messages (timelineOf, message_id): 1 key(s) held by more than one document (2 surplus"), out);
        assertTrue(out.contains("{\"timelineOf\": \"bob\", \"message_id\": \"m1\"} x 3"), out);
        assertTrue(out.contains("instances (instance_id, app_id): 1 key(s)"), out);
        assertTrue(out.contains("db.messages.aggregate([{$group"), out);
        assertTrue(out.contains("refused: nothing was changed"), out);
        assertFalse(Indexes.isUnique(index("messages", "timelineOf", "message_id")));
        assertNull(index("conversations", "timelineOf", "conversWith", "app_id"), "nothing created");
        assertTrue(Indexes.isUnique(index("conversations", "timelineOf", "conversWith")), "nothing dropped");
    }

    @Test
    void replacesTheNonUniqueIndexesThenHasNothingToDo() {
        assertEquals(IndexMigration.OK, migrate(), output());
        String out = output();
        assertTrue(out.contains("messages (timelineOf, message_id): dropped the non-unique index timelineOf_1_message_id_1, "
                + "created the unique index timelineOf_1_message_id_1"), out);
        assertTrue(out.contains("groups (uid, appId): created the unique index"), out);
        assertTrue(out.contains("conversations: dropped the original's unique index timelineOf_1_conversWith_1"), out);
        assertTrue(out.contains("done: 5 change(s)"), out);
        for (Indexes.UniqueKey key : Indexes.WANTED) {
            Document index = index(key.collection(), key.fields().toArray(String[]::new));
            assertNotNull(index, key.describe());
            assertTrue(Indexes.isUnique(index), key.describe());
        }
        assertNull(index("conversations", "timelineOf", "conversWith"));
        assertNotNull(index("messages", "timelineOf", "conversWith"), "the original's other indexes stay");
        assertEquals(2, db.getCollection("messages").countDocuments(), "no document touched");
        assertThrows(MongoWriteException.class, () -> db.getCollection("messages").insertOne(
                OriginalChat21.messageCopy("tilechat", "m1", "bob", "alice", "bob", "hi", 150, 10)), "now enforced");

        assertEquals(IndexMigration.OK, migrate(), output());
        assertTrue(output().contains("nothing to do"), output());
        try (OriginalChat21.Captured log = OriginalChat21.capture(Indexes.class)) {
            assertEquals(new Indexes.Uniqueness(true, true, true, true), Indexes.ensure(db));
            assertEquals(List.of(), log.warnings(), "the service starts without a warning now");
        }
    }

    @Test
    void refusesWithoutAMongoUriRatherThanMigrateTheEmbeddedStore() {
        printed.reset();
        int code = Application.migrateIndexes(Map.of("chat21.mongodb.uri", ""), new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertEquals(IndexMigration.FAILED, code);
        assertTrue(output().contains("MONGODB_URI (chat21.mongodb.uri) is not set"), output());
    }
}
