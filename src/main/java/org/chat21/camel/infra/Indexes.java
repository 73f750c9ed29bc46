package org.chat21.camel.infra;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static com.mongodb.client.model.Indexes.ascending;

/**
 * Every index the service relies on, created at start-up: Chat21's own (spec 4), and the unique keys the
 * idempotent writes and the tenant-safe lookups use. On a database written by the original the unique
 * ones may not be possible (duplicates); they are then created non-unique, with a warning.
 */
public final class Indexes {
    private static final Logger LOG = LoggerFactory.getLogger(Indexes.class);

    private Indexes() {
    }

    public static void ensure(MongoDatabase db) {
        MongoCollection<Document> messages = db.getCollection("messages");
        messages.createIndex(ascending("timelineOf", "message_id"), new IndexOptions().unique(true));
        messages.createIndex(ascending("timelineOf", "conversWith"));

        MongoCollection<Document> conversations = db.getCollection("conversations");
        uniqueOrWarn(conversations, ascending("timelineOf", "conversWith", "app_id"));
        conversations.createIndex(ascending("timelineOf", "app_id", "timestamp", "archived"));
        conversations.createIndex(ascending("app_id", "conversWith"));

        db.getCollection("outbox").createIndex(ascending("state", "updated_at"));
        db.getCollection("client_publications").createIndex(ascending("digest", "done"));
        uniqueOrWarn(db.getCollection("presence"), ascending("app_id", "user_id", "client_id"));

        MongoCollection<Document> groups = db.getCollection("groups");
        groups.createIndex(ascending("uid"));
        uniqueOrWarn(groups, ascending("uid", "appId"));

        MongoCollection<Document> instances = db.getCollection("instances");
        instances.createIndex(ascending("user_id"));
        uniqueOrWarn(instances, ascending("instance_id", "app_id"));
    }

    /** A database written by the original may hold duplicates; then the index stays non-unique. */
    static void uniqueOrWarn(MongoCollection<Document> collection, Bson keys) {
        try {
            collection.createIndex(keys, new IndexOptions().unique(true));
        } catch (RuntimeException e) {
            LOG.warn("could not create unique index {} on {} ({}); creating it non-unique", keys,
                    collection.getNamespace().getCollectionName(), e.getMessage());
            collection.createIndex(keys);
        }
    }
}
