package org.chat21.camel.delivery;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.chat21.camel.infra.Indexes;
import org.chat21.camel.infra.OriginalChat21;
import org.chat21.camel.infra.MongoStandIn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Timeline copies on a database the original Chat21 servers used: its non-unique (timelineOf, message_id)
 * index stays, so CopyStore writes copies as insert-only upserts (mongo-java-server over the wire).
 */
class CopyStoreTest {
    @RegisterExtension
    final MongoStandIn store = new MongoStandIn();
    MongoDatabase db;
    MongoCollection<Document> messages;
    final DeliveryPlanner planner = new DeliveryPlanner();

    @BeforeEach
    void setUp() {
        db = store.db();
        messages = db.getCollection("messages");
        OriginalChat21.createIndexes(db);
    }

    static Map<String, Object> message(String id, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message_id", id);
        m.put("app_id", "tilechat");
        m.put("sender", "alice");
        m.put("sender_fullname", "Alice");
        m.put("recipient", "bob");
        m.put("recipient_fullname", "Bob");
        m.put("text", text);
        m.put("type", "text");
        m.put("channel_type", "direct");
        m.put("timestamp", 1_000L);
        m.put("status", 0);
        return m;
    }

    @Test
    void withoutTheUniqueIndexAJobDoneTwiceLeavesOneCopyPerTimelineAndKeepsItsStatus() {
        Indexes.Uniqueness unique = Indexes.ensure(db);
        assertFalse(unique.messages(), "the original's non-unique index stays");
        CopyStore copies = new CopyStore(db, unique.messages());

        var m = message("m1", "hello");
        copies.writeAll(planner.planDirect(m));
        assertEquals(2, messages.countDocuments());
        // the recipient's client read it (a receipt raised its copy to 200), then the job is done again
        messages.updateOne(Filters.and(Filters.eq("timelineOf", "bob"), Filters.eq("message_id", "m1")), Updates.set("status", 200));
        copies.writeAll(planner.planDirect(m));
        copies.writeAll(planner.planDirect(m));
        assertEquals(2, messages.countDocuments(), "one copy per timeline");
        assertEquals(1, messages.countDocuments(Filters.eq("timelineOf", "alice")));
        assertEquals(200, messages.find(Filters.eq("timelineOf", "bob")).first().get("status"), "a stored copy is never overwritten");
        assertEquals(2, db.getCollection("conversations").countDocuments());

        // a copy the original stored is kept as it is too
        messages.insertOne(OriginalChat21.messageCopy("tilechat", "old", "bob", "alice", "bob", "from the original", 300, 500));
        var old = message("old", "from the original");
        copies.write(planner.planDirect(old), false);
        assertEquals(4, messages.countDocuments());
        assertEquals(300, messages.find(Filters.and(Filters.eq("timelineOf", "bob"), Filters.eq("message_id", "old"))).first().get("status"));
    }

    @Test
    void insertsWouldDuplicateThereWhichIsWhyTheModeMatters() {
        CopyStore relyingOnTheIndex = new CopyStore(db, true);
        var m = message("m2", "twice");
        relyingOnTheIndex.write(planner.planDirect(m), false);
        relyingOnTheIndex.write(planner.planDirect(m), false);
        assertEquals(4, messages.countDocuments(), "nothing refuses a second insert on a non-unique index");
    }
}
