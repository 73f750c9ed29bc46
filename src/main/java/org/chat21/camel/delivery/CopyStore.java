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
import com.mongodb.client.model.WriteModel;
import org.bson.Document;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The timeline copies ({@code messages}) and the conversations they leave behind, written in two round
 * trips whatever the number of copies. Every write is keyed by an exact unique key, so a job done again
 * writes the same documents and every lookup is an index hit (also in mongo-java-server, which only uses
 * an index for a query on exactly its keys). Bound as {@code copyStore}.
 */
public class CopyStore {
    private static final ReplaceOptions REPLACE_UPSERT = new ReplaceOptions().upsert(true);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final InsertManyOptions UNORDERED_INSERT = new InsertManyOptions().ordered(false);

    private final MongoCollection<Document> messages;
    private final MongoCollection<Document> conversations;

    public CopyStore(MongoDatabase db) {
        this.messages = db.getCollection("messages");
        this.conversations = db.getCollection("conversations");
    }

    /**
     * The copies of one message, and their conversations unless the message says
     * {@code attributes.updateconversation: false}.
     */
    public void write(List<Map<String, Object>> copies, Map<String, Object> message) {
        write(copies, DeliveryPlanner.updatesConversation(message));
    }

    /** A new group member's copies of the group history: messages only, conversations untouched. */
    public void writeHistory(List<Map<String, Object>> copies) {
        write(copies, false);
    }

    /**
     * An unordered insert of the copies (unique key {@code (timelineOf, message_id)}: a copy already there
     * stays as it is) and a replacing upsert per conversation on its exact unique key
     * {@code (timelineOf, conversWith, app_id)}.
     */
    public void write(List<Map<String, Object>> copies, boolean updateConversations) {
        List<Document> messageDocs = new ArrayList<>(copies.size());
        List<WriteModel<Document>> conversationWrites = new ArrayList<>(copies.size());
        for (Map<String, Object> copy : copies) {
            messageDocs.add(new Document(copy));
            if (updateConversations) {
                // app_id is part of the key: two tenants may well have users with the same ids
                // the conversation is the last message's fields plus a few: replaced whole, so nothing of an
                // earlier message (its metadata, say) lingers
                conversationWrites.add(new ReplaceOneModel<>(
                        new Document("timelineOf", copy.get("timelineOf")).append("conversWith", copy.get("conversWith"))
                                .append("app_id", copy.get("app_id")),
                        new Document(DeliveryPlanner.conversationOf(copy)), REPLACE_UPSERT));
            }
        }
        insertIgnoringDuplicates(messageDocs);
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
}
