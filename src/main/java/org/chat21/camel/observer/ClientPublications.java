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
 * publication whose handling was cut short (process killed after the message was accepted, before the
 * publication was acknowledged). Each first delivery gets a new id, recorded with a digest of the
 * publication (routing key and body) as "in progress" until its handling is done; a redelivered
 * publication takes the id of the in-progress record with the same digest, so the outbox and the
 * idempotent delivery see the same message again, not a second one. Only records still in progress
 * match: the same text sent twice on purpose (two "ok"s) is two messages.
 * The one gap: killed between marking a record done and the broker getting the ack, a redelivery
 * is a second message (a duplicate, never a loss). Collection {@code client_publications}.
 */
public class ClientPublications {
    private final MongoCollection<Document> records;
    private final Clock clock;

    public ClientPublications(MongoDatabase db, Clock clock) {
        this.records = db.getCollection("client_publications");
        this.clock = clock;
    }

    /** The message id for this publication: a new one, or the first delivery's when this is a redelivery. */
    public String messageId(String routingKey, byte[] body, boolean redelivered) {
        String digest = digest(routingKey, body);
        if (redelivered) {
            Document earlier = records.find(Filters.and(Filters.eq("digest", digest), Filters.eq("done", false)))
                    .sort(Sorts.descending("at")).limit(1).first();
            if (earlier != null) {
                return earlier.getString("_id");
            }
        }
        String id = UUID.randomUUID().toString();
        records.insertOne(new Document("_id", id).append("digest", digest).append("done", false)
                .append("at", clock.millis()));
        return id;
    }

    /** The publication of this message was handled: a redelivery of it (if any) is a new message. */
    public void done(String messageId) {
        records.updateOne(Filters.eq("_id", messageId), Updates.set("done", true));
    }

    /** Forgets records done more than {@code doneAfterMs} ago, and any record older than {@code anyAfterMs}. */
    public long purge(long doneAfterMs, long anyAfterMs) {
        long now = clock.millis();
        return records.deleteMany(Filters.or(
                Filters.and(Filters.eq("done", true), Filters.lt("at", now - doneAfterMs)),
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
