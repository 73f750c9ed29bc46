package org.chat21.camel;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MongoDB side of sending and delivering: the outbox of accepted messages, the batched, idempotent
 * writes of timeline copies and conversations, and the group lookup. Every hot-path query is on a
 * unique key: {@code outbox._id}, {@code messages (timelineOf, message_id)},
 * {@code conversations (timelineOf, conversWith, app_id)}.
 */
public class ChatStore {
    private static final Logger LOG = LoggerFactory.getLogger(ChatStore.class);
    public static final String PENDING = "pending";
    public static final String CONFIRMED = "confirmed";
    private static final ReplaceOptions REPLACE_UPSERT = new ReplaceOptions().upsert(true);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final InsertManyOptions UNORDERED_INSERT = new InsertManyOptions().ordered(false);

    private final MongoCollection<Document> messages;
    private final MongoCollection<Document> conversations;
    private final MongoCollection<Document> outbox;
    private final Clock clock;

    public ChatStore(MongoDatabase db, Clock clock) {
        this.messages = db.getCollection("messages");
        this.conversations = db.getCollection("conversations");
        this.outbox = db.getCollection("outbox");
        this.clock = clock;
    }

    /** The indexes of spec 4, plus the unique keys the idempotent writes rely on. */
    public void ensureIndexes() {
        messages.createIndex(Indexes.ascending("timelineOf", "message_id"), new IndexOptions().unique(true));
        messages.createIndex(Indexes.ascending("timelineOf", "conversWith"));
        uniqueOrWarn(conversations, Indexes.ascending("timelineOf", "conversWith", "app_id"));
        conversations.createIndex(Indexes.ascending("timelineOf", "app_id", "timestamp", "archived"));
        conversations.createIndex(Indexes.ascending("app_id", "conversWith"));
        outbox.createIndex(Indexes.ascending("state", "updated_at"));
    }

    /** A database written by the original may hold duplicate conversations; then the index stays non-unique. */
    static void uniqueOrWarn(MongoCollection<Document> collection, Bson keys) {
        try {
            collection.createIndex(keys, new IndexOptions().unique(true));
        } catch (RuntimeException e) {
            LOG.warn("could not create unique index {} on {} ({}); creating it non-unique", keys,
                    collection.getNamespace().getCollectionName(), e.getMessage());
            collection.createIndex(keys);
        }
    }

    // ---- outbox --------------------------------------------------------------------------------

    /**
     * Stores an accepted message in the outbox (state pending). Returns {@code null} when it is new, or the
     * message already accepted under the same id (a client retry with the same Idempotency-Key).
     */
    public Map<String, Object> accept(Map<String, Object> message, boolean checkDelivered) {
        String id = (String) message.get("message_id");
        for (int attempt = 0; ; attempt++) {
            long now = clock.millis();
            Document doc = new Document("_id", id)
                    .append("state", PENDING)
                    .append("channel_type", message.get("channel_type"))
                    .append("message", new Document(message))
                    .append("created_at", now)
                    .append("updated_at", now);
            try {
                outbox.insertOne(doc);
                break;
            } catch (MongoWriteException e) {
                if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY || attempt > 0) {
                    throw e;
                }
            }
            Document existing = outbox.find(new Document("_id", id)).first();
            if (existing != null && PENDING.equals(existing.get("state"))) {
                // the original request is still waiting for the broker, and may yet fail
                throw new ApiException(409, "a request with this Idempotency-Key is in progress, retry later");
            }
            if (existing != null) {
                return existing.get("message", Document.class);
            }
            // the original's entry went between the insert and the lookup: delivered (its copy is stored)
            // or discarded (then this retry is accepted anew)
            Map<String, Object> delivered = deliveredCopy(message);
            if (delivered != null) {
                return delivered;
            }
        }
        if (checkDelivered) {
            // a retry whose original was already delivered: its outbox entry is gone but its copy is stored
            Map<String, Object> delivered = deliveredCopy(message);
            if (delivered != null) {
                discard(id);
                return delivered;
            }
        }
        return null;
    }

    /** The message as accepted, from its stored copy in the timeline that always gets one; or null. */
    private Map<String, Object> deliveredCopy(Map<String, Object> message) {
        Document copy = messages.find(new Document("timelineOf", historyTimeline(message))
                .append("message_id", message.get("message_id"))).first();
        return copy == null ? null : acceptedView(copy);
    }

    /** The timeline that always receives a copy: the sender's for direct, the group's own for group. */
    static String historyTimeline(Map<String, Object> message) {
        return MessageFactory.GROUP.equals(message.get("channel_type"))
                ? (String) message.get("recipient") : (String) message.get("sender");
    }

    private static Map<String, Object> acceptedView(Document copy) {
        Document message = new Document(copy);
        message.remove("_id");
        message.remove("timelineOf");
        message.remove("conversWith");
        message.put("status", 0);
        return message;
    }

    /** The broker confirmed the delivery job. */
    public void confirm(String messageId) {
        confirmAll(List.of(messageId));
    }

    /** {@link #confirm} for many jobs in one write. */
    public void confirmAll(List<String> messageIds) {
        outbox.updateMany(new Document("_id", new Document("$in", messageIds)),
                Updates.combine(Updates.set("state", CONFIRMED), Updates.set("updated_at", clock.millis())));
    }

    /** Every copy of these jobs is written and published: their outbox entries go, in one write. */
    public void deliveredAll(List<String> messageIds) {
        outbox.deleteMany(new Document("_id", new Document("$in", messageIds)));
    }

    /** The delivery job could not be handed to the broker: forget the message, the client gets an error. */
    public void discard(String messageId) {
        outbox.deleteOne(Filters.and(Filters.eq("_id", messageId), Filters.eq("state", PENDING)));
    }

    /**
     * Outbox entries whose delivery job was never confirmed (older than {@code pendingAfterMs}) or was
     * confirmed but never finished (older than {@code confirmedAfterMs}: the broker lost it). Each is
     * claimed by moving its {@code updated_at}, so that of several instances only one republishes it.
     */
    public List<Map<String, Object>> claimStale(long pendingAfterMs, long confirmedAfterMs, int limit) {
        long now = clock.millis();
        Bson stale = Filters.or(
                Filters.and(Filters.eq("state", PENDING), Filters.lt("updated_at", now - pendingAfterMs)),
                Filters.and(Filters.eq("state", CONFIRMED), Filters.lt("updated_at", now - confirmedAfterMs)));
        List<Map<String, Object>> claimed = new ArrayList<>();
        for (Document doc : outbox.find(stale).limit(limit)) {
            var result = outbox.updateOne(
                    Filters.and(Filters.eq("_id", doc.get("_id")), Filters.eq("updated_at", doc.get("updated_at"))),
                    Updates.set("updated_at", now));
            if (result.getModifiedCount() == 1) {
                claimed.add(doc.get("message", Document.class));
            }
        }
        return claimed;
    }

    // ---- delivery ------------------------------------------------------------------------------

    /**
     * Inserts the copies; a copy already stored (the job is being done again after a crash mid-way)
     * fails on the unique key {@code (timelineOf, message_id)} and is left as it is.
     */
    private void insertIgnoringDuplicates(List<Document> docs) {
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
     * Whether a delivery job still has work to do: its outbox entry is removed (see
     * {@link #deliveredAll}) only once every copy is written and published, so a job redelivered after
     * that is acknowledged and changes nothing.
     */
    public boolean isPending(String messageId) {
        return outbox.find(new Document("_id", messageId)).limit(1).first() != null;
    }

    /**
     * Writes every copy and its conversation in two round trips, whatever the number of copies: an
     * unordered insert of the copies (unique key {@code (timelineOf, message_id)}: a copy already there
     * stays as it is) and a replacing upsert per conversation on its exact unique key
     * {@code (timelineOf, conversWith, app_id)}. A repeated job writes the same documents again, and every
     * lookup is an index hit (also in mongo-java-server, which only uses an index for a query on exactly
     * its keys).
     */
    public void writeCopies(List<Map<String, Object>> copies, boolean updateConversations) {
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
}
