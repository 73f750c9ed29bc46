package org.chat21.camel.send;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.chat21.camel.delivery.CopyStore;
import org.chat21.camel.delivery.DeliveryPlanner;
import org.chat21.camel.infra.Indexes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The outbox and the delivery writes, through the official driver over the wire protocol. */
class OutboxTest {
    MongoServer server;
    MongoClient client;
    MongoDatabase db;
    final AtomicLong now = new AtomicLong(1_000_000);
    Outbox store;
    CopyStore copies;
    final DeliveryPlanner planner = new DeliveryPlanner();

    @BeforeEach
    void setUp() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://" + server.bind().getHostString() + ":" + server.getLocalAddress().getPort());
        db = client.getDatabase("chatdb");
        Clock clock = new Clock() {
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        store = new Outbox(db, 20, clock);
        copies = new CopyStore(db);
        Indexes.ensure(db);
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.shutdownNow();
    }

    static Map<String, Object> message(String id, String text, long timestamp) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message_id", id);
        m.put("app_id", "tilechat");
        m.put("sender", "alice");
        m.put("recipient", "bob");
        m.put("text", text);
        m.put("channel_type", "direct");
        m.put("timestamp", timestamp);
        m.put("status", 0);
        return m;
    }

    @Test
    void acceptStoresPendingAndEveryRetrySeesTheOriginal() {
        var m = message("m1", "hi", 5);
        assertNull(store.accept(m, true));
        assertEquals("pending", db.getCollection("outbox").find(Filters.eq("_id", "m1")).first().get("state"));
        // stored is accepted: a retry gets the original at once, never a 409
        assertEquals("hi", store.accept(message("m1", "other", 6), true).get("text"));
        assertEquals("hi", store.accept(message("m1", "other", 6), false).get("text"));
        assertEquals(1, db.getCollection("outbox").countDocuments());
    }

    @Test
    void aRetryAfterDeliveryFindsTheStoredCopy() {
        var m = message("m2", "hi", 5);
        assertNull(store.accept(m, true));
        copies.writeAll(planner.planDirect(m));
        store.deliveredAll(List.of("m2"));
        assertEquals(0, db.getCollection("outbox").countDocuments());
        assertEquals("m2", store.accept(message("m2", "hi", 5), true).get("message_id"));
        assertEquals(0, db.getCollection("outbox").countDocuments(), "the retry leaves nothing to deliver");
    }

    @Test
    void infoMessagesAreAcceptedTogether() {
        store.acceptAll(List.of(message("n1", "one", 5), message("n2", "two", 5)));
        assertEquals(2, db.getCollection("outbox").countDocuments(Filters.eq("state", "pending")));
    }

    @Test
    void aBatchWritesEachConversationOnceWithItsNewestMessage() {
        List<Map<String, Object>> batch = new java.util.ArrayList<>();
        batch.addAll(planner.planDirect(message("b2", "newer", 20)));
        batch.addAll(planner.planDirect(message("b1", "older", 10)));
        var quiet = message("b3", "no conversation", 30);
        quiet.put("attributes", Map.of("updateconversation", false));
        batch.addAll(planner.planDirect(quiet));
        copies.writeAll(batch);
        assertEquals(6, db.getCollection("messages").countDocuments());
        assertEquals(2, db.getCollection("conversations").countDocuments());
        assertEquals("newer", db.getCollection("conversations").find(Filters.eq("timelineOf", "bob")).first()
                .get("last_message_text"));
    }

    @Test
    void writesAreIdempotentAndALaterMessageUpdatesTheConversation() {
        var first = message("f", "first", 10);
        var second = message("s", "second", 20);
        copies.write(planner.planDirect(first), true);
        List<Document> once = new java.util.ArrayList<>();
        db.getCollection("messages").find().into(once);
        db.getCollection("conversations").find().into(once);
        copies.write(planner.planDirect(first), true);
        List<Document> twice = new java.util.ArrayList<>();
        db.getCollection("messages").find().into(twice);
        db.getCollection("conversations").find().into(twice);
        assertEquals(once, twice, "the same job again writes the same documents");

        Object conversationId = db.getCollection("conversations").find(Filters.eq("timelineOf", "bob")).first().get("_id");
        var withMetadata = message("s0", "image", 15);
        withMetadata.put("metadata", Map.of("src", "x.png"));
        copies.write(planner.planDirect(withMetadata), true);
        copies.write(planner.planDirect(second), true);
        assertEquals(6, db.getCollection("messages").countDocuments());
        assertEquals(2, db.getCollection("conversations").countDocuments());
        Document conv = db.getCollection("conversations").find(Filters.eq("timelineOf", "bob")).first();
        assertEquals("second", conv.get("last_message_text"));
        assertEquals(150, conv.get("status"));
        assertEquals(conversationId, conv.get("_id"), "the same conversation document");
        assertEquals(false, conv.containsKey("metadata"), "nothing of an earlier message lingers");

        // an archived conversation is reactivated by a later message
        db.getCollection("conversations").updateMany(new Document(), new Document("$set", new Document("archived", true)));
        copies.write(planner.planDirect(message("l", "later", 30)), true);
        assertEquals(2, db.getCollection("conversations").countDocuments());
        assertEquals(false, db.getCollection("conversations").find(Filters.eq("timelineOf", "bob")).first().get("archived"));
    }

    @Test
    void updateconversationFalseWritesOnlyMessages() {
        copies.write(planner.planDirect(message("x", "quiet", 5)), false);
        assertEquals(2, db.getCollection("messages").countDocuments());
        assertEquals(0, db.getCollection("conversations").countDocuments());
    }

    @Test
    void relayClaimsStaleEntriesOnceAndParksWhatKeepsFailing() {
        store.accept(message("p", "pending", 5), false);
        assertEquals(List.of(), store.claimStale(5_000, 10, 2), "nothing is stale yet");
        now.addAndGet(6_000);
        List<Map<String, Object>> claimed = store.claimStale(5_000, 10, 2);
        assertEquals(1, claimed.size());
        assertEquals("p", claimed.get(0).get("message_id"));
        assertEquals(List.of(), store.claimStale(5_000, 10, 2), "claimed entries wait for another period");
        now.addAndGet(6_000);
        assertEquals(1, store.claimStale(5_000, 10, 2).size(), "the second attempt");
        now.addAndGet(6_000);
        assertEquals(List.of(), store.claimStale(5_000, 10, 2), "two attempts failed: parked");
        Document parked = db.getCollection("outbox").find(Filters.eq("_id", "p")).first();
        assertEquals("dead", parked.get("state"));
        now.addAndGet(60_000);
        assertEquals(List.of(), store.claimStale(5_000, 10, 2), "a parked entry is left alone");
    }
}
