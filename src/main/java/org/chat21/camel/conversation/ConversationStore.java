package org.chat21.camel.conversation;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import org.bson.Document;

import java.util.Map;

/** Archiving and deleting one user's conversation (spec 7), by its exact unique key. */
public class ConversationStore {
    private static final FindOneAndUpdateOptions AFTER = new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER);

    private final MongoCollection<Document> conversations;
    private final MongoCollection<Document> messages;

    public ConversationStore(MongoDatabase db) {
        this.conversations = db.getCollection("conversations");
        this.messages = db.getCollection("messages");
    }

    /** The conversation's exact unique key. */
    private static Document key(String appId, String userId, String conversWith) {
        return new Document("timelineOf", userId).append("conversWith", conversWith).append("app_id", appId);
    }

    /** Sets {@code archived: true}; the conversation after, or null when there is none. */
    public Map<String, Object> archive(String appId, String userId, String conversWith) {
        return conversations.findOneAndUpdate(key(appId, userId, conversWith), Updates.set("archived", true), AFTER);
    }

    /** Removes the conversation and this user's copies of its messages; the conversation, or null if none. */
    public Map<String, Object> delete(String appId, String userId, String conversWith) {
        Document conversation = conversations.findOneAndDelete(key(appId, userId, conversWith));
        messages.deleteMany(new Document("timelineOf", userId).append("conversWith", conversWith).append("app_id", appId));
        return conversation;
    }

    /** Sets {@code is_new} on an existing conversation; whether there was one. */
    public boolean setNew(String appId, String userId, String conversWith, boolean isNew) {
        return conversations.updateOne(key(appId, userId, conversWith), Updates.set("is_new", isNew)).getMatchedCount() > 0;
    }
}
