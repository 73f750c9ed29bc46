package org.chat21.camel.push;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.UpdateOptions;
import org.bson.Document;

import java.util.Map;

/** The {@code instances} collection: push-notification instances, keyed by {@code (instance_id, app_id)}. */
public class InstanceStore {
    private final MongoCollection<Document> instances;

    public InstanceStore(MongoDatabase db) {
        this.instances = db.getCollection("instances");
    }

    /** Registers (or moves) a push-notification instance. */
    public void upsert(Map<String, Object> instance) {
        Document key = new Document("instance_id", instance.get("instance_id")).append("app_id", instance.get("app_id"));
        instances.updateOne(key, new Document("$set", new Document(instance)), new UpdateOptions().upsert(true));
    }
}
