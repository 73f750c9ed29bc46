package org.chat21.camel.infra;

import com.mongodb.MongoServerException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static com.mongodb.client.model.Indexes.ascending;

/**
 * Every index the service relies on, created at start-up: Chat21's own (spec 4), and the unique keys the
 * idempotent writes and the tenant-safe lookups use.
 *
 * <p>On a database the original Chat21 servers used, a unique key may not be possible: the original
 * creates {@code messages (timelineOf, message_id)} non-unique under the same default name (MongoDB, and
 * mongo-java-server alike, refuse a unique one with IndexKeySpecsConflict), and old data may hold
 * duplicates. The service then starts all the same, logs one WARN per finding with its consequence, and
 * reports which unique keys hold ({@link Uniqueness}) so that the writes relying on one can do without
 * ({@code CopyStore}). {@link IndexMigration} makes them unique when the operator chooses.
 */
public final class Indexes {
    private static final Logger LOG = LoggerFactory.getLogger(Indexes.class);
    private static final IndexOptions UNIQUE = new IndexOptions().unique(true);
    private static final String MIGRATE = "'java -jar chat21-camel.jar migrate-indexes'";

    /** A unique key the service wants, and what goes wrong without it. */
    record UniqueKey(String collection, List<String> fields, String without) {
        String describe() {
            return collection + " (" + String.join(", ", fields) + ")";
        }
    }

    static final UniqueKey MESSAGES = new UniqueKey("messages", List.of("timelineOf", "message_id"),
            "timeline copies are written as upserts on that key instead of inserts (a job done twice leaves one "
                    + "copy; two deliveries of one job at the same instant could still leave two)");
    static final UniqueKey CONVERSATIONS = new UniqueKey("conversations", List.of("timelineOf", "conversWith", "app_id"),
            "two deliveries to one conversation at the same instant could leave two documents for it");
    static final UniqueKey GROUPS = new UniqueKey("groups", List.of("uid", "appId"),
            "two creates of one group id at the same instant could both succeed");
    static final UniqueKey INSTANCES = new UniqueKey("instances", List.of("instance_id", "app_id"),
            "two registrations of one push instance at the same instant could leave two documents");
    static final List<UniqueKey> WANTED = List.of(MESSAGES, CONVERSATIONS, GROUPS, INSTANCES);
    /** The original's unique conversation key: it ignores app_id, so two apps' conversations collide. */
    static final List<String> ORIGINAL_CONVERSATION_KEY = List.of("timelineOf", "conversWith");

    /** Which unique keys hold on this database (false: an index on those fields exists, but not unique). */
    public record Uniqueness(boolean messages, boolean conversations, boolean groups, boolean instances) {
    }

    private Indexes() {
    }

    public static Uniqueness ensure(MongoDatabase db) {
        boolean messages = unique(db, MESSAGES);
        db.getCollection("messages").createIndex(ascending("timelineOf", "conversWith"));
        // a resumed event stream reads a timeline after a (timestamp, message_id) position (events.TimelineReplay)
        db.getCollection("messages").createIndex(ascending("timelineOf", "timestamp", "message_id"));

        boolean conversations = unique(db, CONVERSATIONS);
        MongoCollection<Document> conversationCollection = db.getCollection("conversations");
        conversationCollection.createIndex(ascending("timelineOf", "app_id", "timestamp", "archived"));
        conversationCollection.createIndex(ascending("app_id", "conversWith"));
        Document original = indexOn(conversationCollection, ORIGINAL_CONVERSATION_KEY);
        if (original != null && isUnique(original)) {
            LOG.warn("conversations (timelineOf, conversWith): the original Chat21 unique index {} ignores app_id, "
                    + "so where two apps share user ids a pair's messages in the second app fail delivery (duplicate "
                    + "key on their conversation); {} drops it", original.get("name"), MIGRATE);
        }

        db.getCollection("outbox").createIndex(ascending("state", "updated_at"));
        db.getCollection("client_publications").createIndex(ascending("digest", "done"));
        db.getCollection("presence").createIndex(ascending("app_id", "user_id", "client_id"));

        db.getCollection("groups").createIndex(ascending("uid"));
        boolean groups = unique(db, GROUPS);

        db.getCollection("instances").createIndex(ascending("user_id"));
        boolean instances = unique(db, INSTANCES);
        return new Uniqueness(messages, conversations, groups, instances);
    }

    /**
     * Makes {@code key} unique unless the collection says it cannot be: an index on the same fields that is
     * not unique is looked up first (rather than relying on the server's error, which differs between
     * servers and versions), and a failed unique build (duplicates) leaves a plain index. One WARN either way.
     */
    static boolean unique(MongoDatabase db, UniqueKey key) {
        MongoCollection<Document> collection = db.getCollection(key.collection());
        Document existing = indexOn(collection, key.fields());
        if (existing != null && isUnique(existing)) {
            return true;
        }
        if (existing != null) {
            LOG.warn("{}: index {} is not unique (the original Chat21 servers create it so, or a start found "
                    + "duplicates), so {}; {} makes it unique", key.describe(), existing.get("name"), key.without(), MIGRATE);
            return false;
        }
        try {
            collection.createIndex(ascending(key.fields()), UNIQUE);
            return true;
        } catch (MongoServerException e) {
            String why = e.getCode() == 11000 ? "existing documents share a key" : e.getMessage();
            LOG.warn("{}: could not create the unique index ({}); created it non-unique, so {}; {} lists the "
                    + "duplicates", key.describe(), why, key.without(), MIGRATE);
            collection.createIndex(ascending(key.fields()));
            return false;
        }
    }

    /** The index whose key is exactly {@code fields}, ascending and in that order; or null. */
    static Document indexOn(MongoCollection<Document> collection, List<String> fields) {
        for (Document index : collection.listIndexes()) {
            Document key = index.get("key", Document.class);
            if (key != null && new ArrayList<>(key.keySet()).equals(fields)
                    && key.values().stream().allMatch(v -> v instanceof Number n && n.intValue() == 1)) {
                return index;
            }
        }
        return null;
    }

    /** {@code unique: true} (or 1, as old servers and shells wrote it). */
    static boolean isUnique(Document index) {
        Object unique = index.get("unique");
        return unique instanceof Boolean b ? b : unique instanceof Number n && n.intValue() != 0;
    }
}
