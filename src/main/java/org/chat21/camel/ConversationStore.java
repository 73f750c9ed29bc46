package org.chat21.camel;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;

import java.util.Map;

/** Archiving and deleting one user's conversation (spec 7), and push-notification instances. */
public class ConversationStore {
    private static final FindOneAndUpdateOptions AFTER = new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER);

    private final MongoCollection<Document> conversations;
    private final MongoCollection<Document> messages;
    private final MongoCollection<Document> instances;

    public ConversationStore(MongoDatabase db) {
        this.conversations = db.getCollection("conversations");
        this.messages = db.getCollection("messages");
        this.instances = db.getCollection("instances");
    }

    public void ensureIndexes() {
        instances.createIndex(Indexes.ascending("user_id"));
        ChatStore.uniqueOrWarn(instances, Indexes.ascending("instance_id", "app_id"));
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

    /** Registers (or moves) a push-notification instance, keyed by {@code (instance_id, app_id)}. */
    public void upsertInstance(Map<String, Object> instance) {
        Document key = new Document("instance_id", instance.get("instance_id")).append("app_id", instance.get("app_id"));
        instances.updateOne(key, new Document("$set", new Document(instance)), new UpdateOptions().upsert(true));
    }
}
