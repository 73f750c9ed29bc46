package org.chat21.camel;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.chat21.camel.delivery.CopyStore;
import org.chat21.camel.delivery.DeliveryPlanner;
import org.chat21.camel.infra.Indexes;
import org.chat21.camel.infra.OriginalChat21;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8: the service starts on a database the original Chat21 servers used (their indexes, among them
 * the non-unique {@code messages (timelineOf, message_id)} under the default name a unique one would take,
 * and documents of their shape), serves its history, delivers new messages and keeps a job done twice
 * from leaving a second copy, having said once what it found.
 */
@RequiresRabbitMQ
class ExistingDatabaseIT {
    static final String ALICE = "alice";
    static final String BOB = "bob";

    /** What the original servers left: two messages between alice and bob, their conversations, a group. */
    static void original(MongoDatabase db, String app) {
        OriginalChat21.createIndexes(db);
        Document first = OriginalChat21.messageCopy(app, "old-1", ALICE, ALICE, BOB, "hi bob", 100, 1_000);
        Document second = OriginalChat21.messageCopy(app, "old-2", BOB, BOB, ALICE, "hi alice", 100, 2_000);
        db.getCollection("messages").insertMany(List.of(first, second,
                OriginalChat21.messageCopy(app, "old-1", BOB, ALICE, BOB, "hi bob", 150, 1_000),
                OriginalChat21.messageCopy(app, "old-2", ALICE, BOB, ALICE, "hi alice", 150, 2_000)));
        db.getCollection("conversations").insertMany(List.of(
                OriginalChat21.conversation(OriginalChat21.messageCopy(app, "old-2", BOB, BOB, ALICE, "hi alice", 100, 2_000)),
                OriginalChat21.conversation(OriginalChat21.messageCopy(app, "old-2", ALICE, BOB, ALICE, "hi alice", 150, 2_000))));
        db.getCollection("groups").insertOne(OriginalChat21.group(app, "group-old", ALICE, List.of(ALICE, BOB), 500));
    }

    @Test
    void startsOnTheOriginalsDatabaseServesItAndDeliversWithoutDuplicates() throws Exception {
        try (OriginalChat21.Captured log = OriginalChat21.capture(Indexes.class);
             ServiceHarness svc = ServiceHarness.onPrepared(ExistingDatabaseIT::original)) {
            String app = svc.appId;
            List<String> copiesWarning = log.warnings("messages (timelineOf, message_id)");
            assertEquals(1, copiesWarning.size(), log.warnings().toString());
            assertTrue(copiesWarning.get(0).contains("upserts"), copiesWarning.get(0));
            assertEquals(1, log.warnings("timelineOf_1_conversWith_1").size(), log.warnings().toString());
            assertEquals(2, log.warnings().size(), "nothing else: " + log.warnings());
            assertFalse(log.anyStackTrace());

            // the old history is served
            List<Map<String, Object>> conversations = DeliveryIT.resultList(
                    svc.get("/api/" + app + "/" + BOB + "/conversations", svc.user(BOB)));
            assertEquals(1, conversations.size(), conversations.toString());
            assertEquals(ALICE, conversations.get(0).get("conversWith"));
            assertEquals("hi alice", conversations.get(0).get("last_message_text"));
            List<Map<String, Object>> old = DeliveryIT.resultList(
                    svc.get("/api/" + app + "/" + BOB + "/conversations/" + ALICE + "/messages", svc.user(BOB)));
            assertEquals(List.of("old-2", "old-1"), old.stream().map(m -> m.get("message_id")).toList(), "newest first");
            assertEquals(200, svc.get("/api/" + app + "/groups/group-old", svc.user(BOB)).statusCode(), "the old group too");

            // a new message is delivered into the same conversation
            HttpResponse<String> sent = svc.sendText(ALICE, BOB, "hello again");
            assertEquals(200, sent.statusCode(), sent.body());
            Map<String, Object> message = DeliveryIT.result(sent);
            String id = (String) message.get("message_id");
            MongoCollection<Document> messages = svc.db.getCollection("messages");
            waitUntil(() -> messages.countDocuments(Filters.eq("message_id", id)) == 2, 5_000, "both copies");
            waitUntil(() -> "hello again".equals(DeliveryIT.resultList(svc.get("/api/" + app + "/" + BOB + "/conversations",
                    svc.user(BOB))).get(0).get("last_message_text")), 5_000, "bob's conversation updated");
            assertEquals(2, svc.db.getCollection("conversations").countDocuments(), "the original's documents, updated");
            assertEquals(3, DeliveryIT.resultList(svc.get("/api/" + app + "/" + BOB + "/conversations/" + ALICE + "/messages",
                    svc.user(BOB))).size());

            // delivered again (the relay after a crash mid-way), once bob has read it: no second copy
            messages.updateOne(Filters.and(Filters.eq("timelineOf", BOB), Filters.eq("message_id", id)), Updates.set("status", 200));
            CopyStore copyStore = svc.main.getCamelContext().getRegistry().lookupByNameAndType("copyStore", CopyStore.class);
            copyStore.writeAll(new DeliveryPlanner().planDirect(message));
            assertEquals(2, messages.countDocuments(Filters.eq("message_id", id)), "one copy per timeline");
            assertEquals(200, messages.find(Filters.and(Filters.eq("timelineOf", BOB), Filters.eq("message_id", id))).first()
                    .get("status"), "the read copy is kept");
        }
    }
}
