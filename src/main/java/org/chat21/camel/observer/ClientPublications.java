package org.chat21.camel.observer;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import org.bson.Document;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Message ids for client publications. Chat21 clients send no message id, and RabbitMQ redelivers a
 * publication whose handling was cut short (process killed, or its broker node lost, before the publication's
 * ack reached the queue). Each first delivery gets a new id, recorded with a digest of the publication (routing
 * key and body) as "in progress" until its handling is done; a redelivered publication takes the id of the
 * latest record with the same digest that is in progress or was done within the redelivery window, so the
 * outbox and the idempotent delivery see the same message again, not a second one.
 * <p>
 * Why done records count: a consumer's node lost right after the handling leaves its ack unheard; the quorum
 * queue redelivers the publication (flagged) to another consumer, after the record was marked done. The window
 * ({@code chat21.observer.redelivery-window-ms}) is how long after that a redelivery is still taken for it. The
 * one ambiguity left: the same bytes published again on purpose by the same user to the same conversation
 * within the window, whose first delivery was cut short before it was recorded, is taken for the earlier one.
 * A redelivery with no matching record is a new message.
 * <p>
 * A publication the {@code migrate-queues} command moved and marked as a possible copy (bound to two queues for
 * a moment while one replaced the other: infra.QueueMigration) takes the id of a record of the same digest in
 * progress or done since the marked time; its original may still be waiting at another consumer, so until
 * {@code copySettleMs} after it was moved it looks again before it counts as a new message. Collection {@code client_publications}.
 */
public class ClientPublications {
    private final MongoCollection<Document> records;
    private final Clock clock;
    private final long redeliveryWindowMs;
    private final long settleMs;
    private final long copySettleMs;

    /**
     * @param settleMs how long a redelivery that finds no record waits before it looks once more: its first delivery
     *                 may still be about to record itself at a consumer whose channel the broker has already given
     *                 up (a node lost), while the client there has not learned it yet
     */
    public ClientPublications(MongoDatabase db, Clock clock, long redeliveryWindowMs, long settleMs, long copySettleMs) {
        this.records = db.getCollection("client_publications");
        this.clock = clock;
        this.redeliveryWindowMs = redeliveryWindowMs;
        this.settleMs = settleMs;
        this.copySettleMs = copySettleMs;
    }

    /**
     * The message id for this publication: a new one, or the first delivery's when this is a redelivery; null for a
     * first delivery a redelivery has overtaken (see {@link #overtaken}), which must not go on.
     */
    public String messageId(String routingKey, byte[] body, boolean redelivered) {
        return messageId(routingKey, body, redelivered, null, null);
    }

    /**
     * As {@link #messageId(String, byte[], boolean)}, for a publication that may also be a copy made while its queue
     * was moved: {@code copySince} (epoch ms) is when the copies may have begun, null for any other publication;
     * {@code movedAt} when it was moved (null: now).
     */
    public String messageId(String routingKey, byte[] body, boolean redelivered, Long copySince, Long movedAt) {
        long began = clock.millis();
        String digest = digest(routingKey, body);
        Document earlier = null;
        if (copySince != null) {
            // the original went to the queue first, but another consumer may not have recorded it yet
            long until = (movedAt == null ? clock.millis() : movedAt) + copySettleMs;
            earlier = earlier(digest, copySince);
            while (earlier == null && settleMs > 0 && clock.millis() < until && pause(settleMs)) {
                earlier = earlier(digest, copySince);
            }
        } else if (redelivered) {
            earlier = earlier(digest, clock.millis() - redeliveryWindowMs);
            if (earlier == null && settleMs > 0 && pause(settleMs)) {
                earlier = earlier(digest, clock.millis() - redeliveryWindowMs);
            }
        }
        if (earlier != null) {
            return earlier.getString("_id");
        }
        String id = UUID.randomUUID().toString();
        boolean again = redelivered || copySince != null;
        records.insertOne(new Document("_id", id).append("digest", digest).append("done", false)
                .append("at", clock.millis()).append("again", again));
        if (!again && overtaken(digest, began - OVERTAKE_SKEW_MS)) {
            return null;
        }
        return id;
    }

    /**
     * How far back a redelivery's record counts as this first delivery's own: the redelivery can be recorded a
     * little before this delivery's handling began (its channel lost while it waited in the consumer), and the
     * instances' clocks differ a little.
     */
    static final long OVERTAKE_SKEW_MS = 2000;

    /**
     * Whether a redelivery of this publication recorded itself, found no record, and went on as a new message
     * before this first delivery's record was stored (a store slow enough that the redelivery's second look came
     * first, and a channel whose loss the consumer had not noticed yet: ClusterIT at 200 msg/s, once). The first
     * delivery then stops: its channel is gone, and the redelivery has it. Of the two, the one that records second
     * sees the other's record, so exactly one goes on with its own id, or both go on with the first's.
     */
    private boolean overtaken(String digest, long since) {
        return records.find(Filters.and(Filters.eq("digest", digest), Filters.eq("again", true), Filters.gte("at", since)))
                .limit(1).first() != null;
    }

    /** The latest record of this digest still in progress, or done since {@code doneSince}. */
    private Document earlier(String digest, long doneSince) {
        return records.find(Filters.and(Filters.eq("digest", digest), Filters.or(Filters.eq("done", false),
                        Filters.gte("doneAt", doneSince))))
                .sort(Sorts.descending("at")).limit(1).first();
    }

    private static boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The publication of this message was handled: a redelivery of it (if any) is a new message. */
    public void done(String messageId) {
        records.updateOne(Filters.eq("_id", messageId), Updates.combine(Updates.set("done", true),
                Updates.set("doneAt", clock.millis())));
    }

    /** Forgets records done more than {@code doneAfterMs} ago, and any record older than {@code anyAfterMs}. */
    public long purge(long doneAfterMs, long anyAfterMs) {
        long now = clock.millis();
        return records.deleteMany(Filters.or(
                // done long enough ago: doneAt decides (a record begun long ago may have been done just now); at, never
                // later than doneAt, narrows the scan
                Filters.and(Filters.eq("done", true), Filters.lt("at", now - doneAfterMs), Filters.lt("doneAt", now - doneAfterMs)),
                Filters.lt("at", now - anyAfterMs))).getDeletedCount();
    }

    static String digest(String routingKey, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(routingKey.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(body);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
