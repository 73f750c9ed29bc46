package org.chat21.camel.delivery;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.WriteModel;
import org.bson.Document;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The timeline copies ({@code messages}) and the conversations they leave behind, written in two round
 * trips whatever the number of copies. Every write is keyed by an exact unique key, so a job done again
 * writes the same documents and every lookup is an index hit (also in mongo-java-server, which only uses
 * an index for a query on exactly its keys). Bound as {@code copyStore}.
 *
 * <p>Copies are inserted, and a copy already there is left as it is by the unique index on
 * {@code (timelineOf, message_id)}. On a database where that index could not be made unique (one the
 * original Chat21 servers used, see infra.Indexes) a duplicate insert would succeed, so copies are then
 * written as upserts on that key that only ever insert ({@code $setOnInsert}).
 */
public class CopyStore {
    private static final ReplaceOptions REPLACE_UPSERT = new ReplaceOptions().upsert(true);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final InsertManyOptions UNORDERED_INSERT = new InsertManyOptions().ordered(false);
    private static final UpdateOptions UPSERT = new UpdateOptions().upsert(true);

    private final MongoCollection<Document> messages;
    private final MongoCollection<Document> conversations;
    private final boolean uniqueCopies;

    /** On a database with the unique index on {@code messages (timelineOf, message_id)}. */
    public CopyStore(MongoDatabase db) {
        this(db, true);
    }

    /** @param uniqueCopies whether {@code messages (timelineOf, message_id)} is unique (infra.Indexes says) */
    public CopyStore(MongoDatabase db, boolean uniqueCopies) {
        this.messages = db.getCollection("messages");
        this.conversations = db.getCollection("conversations");
        this.uniqueCopies = uniqueCopies;
    }

    /** A new group member's copies of the group history: messages only, conversations untouched. */
    public void writeHistory(List<Map<String, Object>> copies) {
        write(copies, false);
    }

    /**
     * The copies of a delivery batch (one or many messages): each copy leaves its conversation unless its
     * message says {@code attributes.updateconversation: false}; of several copies for one conversation in
     * the batch, the newest (by timestamp, then by order) is the one written.
     */
    public void writeAll(List<Map<String, Object>> copies) {
        Map<List<Object>, Map<String, Object>> newest = new LinkedHashMap<>();
        for (Map<String, Object> copy : copies) {
            if (DeliveryPlanner.updatesConversation(copy)) {
                List<Object> key = Arrays.asList(copy.get("timelineOf"), copy.get("conversWith"), copy.get("app_id"));
                Map<String, Object> seen = newest.get(key);
                if (seen == null || timestamp(copy) >= timestamp(seen)) {
                    newest.put(key, copy);
                }
            }
        }
        write(copies, newest.values());
    }

    private static long timestamp(Map<String, Object> copy) {
        return copy.get("timestamp") instanceof Number n ? n.longValue() : 0L;
    }

    /**
     * An unordered write of the copies (a copy already there stays as it is) and a replacing upsert per
     * conversation on its exact unique key {@code (timelineOf, conversWith, app_id)}.
     */
    public void write(List<Map<String, Object>> copies, boolean updateConversations) {
        write(copies, updateConversations ? copies : List.of());
    }

    private void write(List<Map<String, Object>> copies, Collection<Map<String, Object>> conversationCopies) {
        List<Document> messageDocs = new ArrayList<>(copies.size());
        for (Map<String, Object> copy : copies) {
            messageDocs.add(new Document(copy));
        }
        List<WriteModel<Document>> conversationWrites = new ArrayList<>(conversationCopies.size());
        for (Map<String, Object> copy : conversationCopies) {
            // app_id is part of the key: two tenants may well have users with the same ids
            // the conversation is the last message's fields plus a few: replaced whole, so nothing of an
            // earlier message (its metadata, say) lingers
            conversationWrites.add(new ReplaceOneModel<>(
                    new Document("timelineOf", copy.get("timelineOf")).append("conversWith", copy.get("conversWith"))
                            .append("app_id", copy.get("app_id")),
                    new Document(DeliveryPlanner.conversationOf(copy)), REPLACE_UPSERT));
        }
        if (uniqueCopies) {
            insertIgnoringDuplicates(messageDocs);
        } else {
            upsertNew(messageDocs);
        }
        if (!conversationWrites.isEmpty()) {
            conversations.bulkWrite(conversationWrites, UNORDERED);
        }
    }

    /**
     * Inserts the copies; a copy already stored (the job is being done again after a crash mid-way)
     * fails on the unique key {@code (timelineOf, message_id)} and is left as it is.
     */
    private void insertIgnoringDuplicates(List<Document> docs) {
        if (docs.isEmpty()) {
            return;
        }
        try {
            messages.insertMany(docs, UNORDERED_INSERT);
        } catch (MongoBulkWriteException e) {
            for (BulkWriteError error : e.getWriteErrors()) {
                if (error.getCategory() != ErrorCategory.DUPLICATE_KEY) {
                    throw e;
                }
            }
        }
    }

    /**
     * Without the unique index: one upsert per copy on {@code (timelineOf, message_id)} that sets the whole
     * copy only when it inserts, so a stored copy (one a receipt has since raised to 200, say) is kept.
     */
    private void upsertNew(List<Document> docs) {
        if (docs.isEmpty()) {
            return;
        }
        List<WriteModel<Document>> writes = new ArrayList<>(docs.size());
        for (Document doc : docs) {
            writes.add(new UpdateOneModel<>(new Document("timelineOf", doc.get("timelineOf"))
                    .append("message_id", doc.get("message_id")), new Document("$setOnInsert", doc), UPSERT));
        }
        messages.bulkWrite(writes, UNORDERED);
    }
}
