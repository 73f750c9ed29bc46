package org.chat21.camel.send;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.chat21.camel.common.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code outbox} collection: every accepted message until all its copies are written and published.
 * A message is answered 200 only once it is here and the broker confirmed its delivery job; the relay
 * republishes what was not confirmed or not finished. Every hot-path query is on {@code _id}.
 * Bound as {@code outbox}; the routes call it in the order messages.yaml and delivery.yaml show.
 */
public class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    public static final String PENDING = "pending";
    public static final String CONFIRMED = "confirmed";
    /** parked by the dead-letter path: neither relayed nor delivered until an operator sets it back to pending */
    public static final String DEAD = "dead";

    private final MongoCollection<Document> outbox;
    private final MongoCollection<Document> messages;
    private final OutboxBookkeeping bookkeeping;
    private final Clock clock;

    public Outbox(MongoDatabase db, long batchIntervalMs, Clock clock) {
        this.outbox = db.getCollection("outbox");
        this.messages = db.getCollection("messages");
        this.clock = clock;
        this.bookkeeping = new OutboxBookkeeping(this::confirmAll, this::deliveredAll, batchIntervalMs);
    }

    /** The batched bookkeeping writer: a service started and stopped with the context. */
    public OutboxBookkeeping bookkeeping() {
        return bookkeeping;
    }

    /**
     * Stores an accepted message (state pending). Returns {@code null} when it is new, or the message
     * already accepted under the same id: a client retry with the same Idempotency-Key (409 while the
     * original still waits for the broker). With {@code keyed}, a retry whose original was delivered in
     * full (outbox entry gone, copy stored) is found too.
     */
    public Map<String, Object> accept(Map<String, Object> message, Boolean keyed) {
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
        if (Boolean.TRUE.equals(keyed)) {
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

    /**
     * The broker confirmed the delivery job. Recorded in the next bookkeeping batch, except for requests
     * with an Idempotency-Key: their retries must see the confirmed state at once.
     */
    public void confirmed(Map<String, Object> message, Boolean keyed) {
        String messageId = idOf(message);
        if (Boolean.TRUE.equals(keyed)) {
            confirmAll(List.of(messageId));
        } else {
            bookkeeping.confirmed(messageId);
        }
    }

    /** Every copy is written and published: the entry goes in the next bookkeeping batch. */
    public void delivered(Map<String, Object> message) {
        bookkeeping.delivered(idOf(message));
    }

    private static String idOf(Map<String, Object> message) {
        return (String) message.get("message_id");
    }

    /** {@link #confirmed} for many jobs in one write. */
    public void confirmAll(List<String> messageIds) {
        outbox.updateMany(new Document("_id", new Document("$in", messageIds)),
                Updates.combine(Updates.set("state", CONFIRMED), Updates.set("updated_at", clock.millis())));
    }

    /** {@link #delivered} for many jobs in one write. */
    public void deliveredAll(List<String> messageIds) {
        outbox.deleteMany(new Document("_id", new Document("$in", messageIds)));
    }

    /** The delivery job could not be handed to the broker: forget the message, the client gets an error. */
    public void discard(String messageId) {
        outbox.deleteOne(Filters.and(Filters.eq("_id", messageId), Filters.eq("state", PENDING)));
    }

    /** {@link #discard}, for a route's doCatch: logs why, and never fails (the relay delivers what stays). */
    public void discard(Map<String, Object> message, Throwable cause) {
        String messageId = idOf(message);
        try {
            discard(messageId);
        } catch (RuntimeException e) {
            LOG.error("could not discard message {}; the relay will deliver it", messageId, e);
        }
        LOG.warn("message {} refused, broker unavailable: {}", messageId, cause == null ? "unknown" : cause.toString());
    }

    /**
     * Whether a delivery job still has work to do: its outbox entry is removed only once every copy is
     * written and published, so a job redelivered after that is acknowledged and changes nothing.
     */
    public boolean isPending(String messageId) {
        Document entry = outbox.find(new Document("_id", messageId)).limit(1).first();
        return entry != null && !DEAD.equals(entry.get("state"));
    }

    /** {@link #isPending} for the message of a delivery job. */
    public boolean isPendingJob(Map<String, Object> message) {
        return isPending(idOf(message));
    }

    /**
     * A delivery attempt failed: counted in the outbox entry (atomically, so instances share the count).
     * Returns how many attempts have failed so far.
     */
    public int failed(Map<String, Object> message, Throwable cause) {
        Document entry = outbox.findOneAndUpdate(new Document("_id", idOf(message)),
                Updates.combine(Updates.inc("attempts", 1), Updates.set("error", String.valueOf(cause))),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
        int attempts = entry == null ? Integer.MAX_VALUE : entry.getInteger("attempts", 1);
        LOG.warn("delivery of message {} failed (attempt {}): {}", idOf(message),
                entry == null ? "?" : attempts, String.valueOf(cause));
        return attempts;
    }

    /** The dead-letter path: a job that kept failing is parked, with the reason, for an operator. */
    public void park(Map<String, Object> message, Throwable cause) {
        String messageId = idOf(message);
        String reason = cause == null ? "unknown" : cause.toString();
        outbox.updateOne(new Document("_id", messageId), Updates.combine(Updates.set("state", DEAD),
                Updates.set("error", reason), Updates.set("updated_at", clock.millis())));
        LOG.error("delivery of message {} kept failing; parked in the outbox (state dead): {}", messageId, reason);
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
        if (!claimed.isEmpty()) {
            LOG.warn("relaying {} accepted message(s) whose delivery was not confirmed or not finished", claimed.size());
        }
        return claimed;
    }
}
