package org.chat21.camel.send;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code outbox} collection: every accepted message until all its copies are written and published.
 * A message is accepted (answered 200) once it is here; it is then delivered by this process, and the
 * relay delivers what was not (process killed, store or broker down meanwhile). Every hot-path query is on
 * {@code _id}. Bound as {@code outbox}; the routes call it in the order messages.yaml and delivery.yaml show.
 */
public class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    public static final String PENDING = "pending";
    /** written by versions before in-process delivery (the broker had confirmed its job): relayed like pending */
    public static final String CONFIRMED = "confirmed";
    /** parked by the dead-letter path: neither relayed nor delivered until an operator sets it back to pending */
    public static final String DEAD = "dead";

    private final MongoCollection<Document> outbox;
    private final MongoCollection<Document> messages;
    private final OutboxBookkeeping bookkeeping;
    private final GroupCommit inserts;
    private final Clock clock;

    public Outbox(MongoDatabase db, long batchIntervalMs, Clock clock) {
        this(db, batchIntervalMs, clock, 2, 500, 0, 10_000);
    }

    /**
     * With the group commit of accepted messages: {@code writers} threads, up to {@code maxBatch} per write.
     * @param lingerMicros under load, how long the group commit waits for more inserts (BatchWorkers)
     */
    public Outbox(MongoDatabase db, long batchIntervalMs, Clock clock, int writers, int maxBatch, long lingerMicros,
                  long timeoutMs) {
        this.outbox = db.getCollection("outbox");
        this.messages = db.getCollection("messages");
        this.clock = clock;
        this.bookkeeping = new OutboxBookkeeping(this::deliveredAll, batchIntervalMs);
        this.inserts = new GroupCommit(outbox, writers, maxBatch, lingerMicros, timeoutMs);
    }

    /** The group commit of accepted messages: a service started and stopped with the context. */
    public GroupCommit inserts() {
        return inserts;
    }

    /** The batched bookkeeping writer: a service started and stopped with the context. */
    public OutboxBookkeeping bookkeeping() {
        return bookkeeping;
    }

    /**
     * Stores an accepted message (state pending). Returns {@code null} when it is new, or the message
     * already accepted under the same id: a client retry with the same Idempotency-Key, or a client
     * publication redelivered by the broker. With {@code keyed}, a retry whose original was delivered in
     * full (outbox entry gone, copy stored) is found too.
     */
    public Map<String, Object> accept(Map<String, Object> message, Boolean keyed) {
        String id = (String) message.get("message_id");
        for (int attempt = 0; ; attempt++) {
            long now = clock.millis();
            // written together with the other requests' messages of the moment (group commit)
            if (inserts.insert(entry(message, now))) {
                break;
            }
            if (attempt > 0) {
                throw new IllegalStateException("message " + id + " is neither stored nor storable");
            }
            Document existing = outbox.find(new Document("_id", id)).first();
            if (existing != null) {
                // stored before: accepted, and delivered by whoever stored it or by the relay
                return existing.get("message", Document.class);
            }
            // the original's entry went between the insert and the lookup: delivered (its copy is stored)
            Map<String, Object> delivered = deliveredCopy(message);
            if (delivered != null) {
                return delivered;
            }
        }
        if (Boolean.TRUE.equals(keyed)) {
            // a retry whose original was already delivered: its outbox entry is gone but its copy is stored
            Map<String, Object> delivered = deliveredCopy(message);
            if (delivered != null) {
                outbox.deleteOne(Filters.eq("_id", id));
                return delivered;
            }
        }
        return null;
    }

    /** Stores several new messages at once (a group change's info messages); returns them. */
    public List<Map<String, Object>> acceptAll(List<Map<String, Object>> messages) {
        long now = clock.millis();
        List<Document> entries = new ArrayList<>(messages.size());
        for (Map<String, Object> message : messages) {
            entries.add(entry(message, now));
        }
        if (!entries.isEmpty()) {
            outbox.insertMany(entries);
        }
        return messages;
    }

    private static Document entry(Map<String, Object> message, long now) {
        return new Document("_id", message.get("message_id"))
                .append("state", PENDING)
                .append("channel_type", message.get("channel_type"))
                .append("message", new Document(message))
                .append("created_at", now)
                .append("updated_at", now);
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
     * These copies are written and published, and with them every copy of their messages: the messages'
     * entries go in the next bookkeeping batch.
     */
    public void deliveredCopies(List<Map<String, Object>> copies) {
        String last = null;
        for (Map<String, Object> copy : copies) {
            String id = (String) copy.get("message_id");
            // a message's copies are next to each other
            if (!id.equals(last)) {
                bookkeeping.delivered(id);
                last = id;
            }
        }
    }

    /** The messages of {@link #deliveredCopies}, many in one write (the bookkeeping's batch). */
    public void deliveredAll(List<String> messageIds) {
        outbox.deleteMany(new Document("_id", new Document("$in", messageIds)));
    }

    /** The dead-letter path: a message whose delivery kept failing is parked, with the reason, for an operator. */
    void park(String messageId, String reason) {
        outbox.updateOne(new Document("_id", messageId), Updates.combine(Updates.set("state", DEAD),
                Updates.set("error", reason), Updates.set("updated_at", clock.millis())));
        LOG.error("delivery of message {} kept failing; parked in the outbox (state dead): {}", messageId, reason);
    }

    /**
     * Outbox entries not delivered within {@code pendingAfterMs} (process killed, store or broker down, a
     * failed batch). Each is claimed by moving its {@code updated_at} and counting the attempt, so that of
     * several instances only one delivers it; one claimed {@code maxAttempts} times already is parked
     * instead (a message that keeps failing must not be retried forever).
     */
    public List<Map<String, Object>> claimStale(long pendingAfterMs, int limit, int maxAttempts) {
        long now = clock.millis();
        Bson stale = Filters.and(Filters.in("state", PENDING, CONFIRMED), Filters.lt("updated_at", now - pendingAfterMs));
        List<Map<String, Object>> claimed = new ArrayList<>();
        for (Document doc : outbox.find(stale).limit(limit)) {
            Bson unchanged = Filters.and(Filters.eq("_id", doc.get("_id")), Filters.eq("updated_at", doc.get("updated_at")));
            int attempts = doc.getInteger("attempts", 0);
            if (attempts >= maxAttempts) {
                if (outbox.updateOne(unchanged, Updates.set("updated_at", now)).getModifiedCount() == 1) {
                    park(String.valueOf(doc.get("_id")), "not delivered after " + attempts + " attempts");
                }
            } else if (outbox.updateOne(unchanged, Updates.combine(Updates.set("updated_at", now),
                    Updates.inc("attempts", 1))).getModifiedCount() == 1) {
                claimed.add(doc.get("message", Document.class));
            }
        }
        if (!claimed.isEmpty()) {
            // INFO: catching up after an outage or a restart is the relay's ordinary work; a delivery that keeps
            // failing is parked and logged at ERROR
            LOG.info("relaying {} accepted message(s) not delivered yet", claimed.size());
        }
        return claimed;
    }
}
