package org.chat21.camel.infra;

import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up indexes on a fresh database and on one the original Chat21 servers used (mongo-java-server over the wire). */
class IndexesTest {
    @RegisterExtension
    final MongoStandIn store = new MongoStandIn();
    MongoDatabase db;

    @BeforeEach
    void setUp() {
        db = store.db();
    }

    @Test
    void aFreshDatabaseGetsEveryUniqueKeyAndNoWarning() {
        try (OriginalChat21.Captured log = OriginalChat21.capture(Indexes.class)) {
            assertEquals(new Indexes.Uniqueness(true, true, true, true), Indexes.ensure(db));
            assertEquals(new Indexes.Uniqueness(true, true, true, true), Indexes.ensure(db), "a restart changes nothing");
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void theOriginalsNonUniqueMessagesIndexIsFoundAndWarnedAboutOnce() {
        OriginalChat21.createIndexes(db);
        try (OriginalChat21.Captured log = OriginalChat21.capture(Indexes.class)) {
            assertEquals(new Indexes.Uniqueness(false, true, true, true), Indexes.ensure(db));
            List<String> messages = log.warnings("messages (timelineOf, message_id)");
            assertEquals(1, messages.size(), log.warnings().toString());
            assertTrue(messages.get(0).contains("timelineOf_1_message_id_1") && messages.get(0).contains("upserts")
                    && messages.get(0).contains("migrate-indexes"), messages.get(0));
            List<String> conversations = log.warnings("timelineOf_1_conversWith_1");
            assertEquals(1, conversations.size(), "the original's unique conversation key, which ignores app_id");
            assertEquals(2, log.warnings().size(), log.warnings().toString());
            assertFalse(log.anyStackTrace());
        }
        Document index = Indexes.indexOn(db.getCollection("messages"), List.of("timelineOf", "message_id"));
        assertNotNull(index);
        assertFalse(Indexes.isUnique(index), "the original's index is left as it is");
    }

    @Test
    void duplicatesLeaveAPlainIndexWithAWarningThatSaysWhatFollows() {
        db.getCollection("groups").insertMany(List.of(
                OriginalChat21.group("tilechat", "group-a", "u1", List.of("u1"), 1),
                OriginalChat21.group("tilechat", "group-a", "u2", List.of("u2"), 2)));
        try (OriginalChat21.Captured log = OriginalChat21.capture(Indexes.class)) {
            assertEquals(new Indexes.Uniqueness(true, true, false, true), Indexes.ensure(db));
            List<String> groups = log.warnings("groups (uid, appId)");
            assertEquals(1, groups.size(), log.warnings().toString());
            assertTrue(groups.get(0).contains("share a key") && groups.get(0).contains("could both succeed"), groups.get(0));
            assertFalse(log.anyStackTrace());
        }
        Document index = Indexes.indexOn(db.getCollection("groups"), List.of("uid", "appId"));
        assertNotNull(index, "a plain index serves the lookups meanwhile");
        assertFalse(Indexes.isUnique(index));
    }
}
