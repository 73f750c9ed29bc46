package org.chat21.camel.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.TimelinePublisher.Publication;
import org.chat21.camel.delivery.Topics;
import org.chat21.camel.observer.ClientTopic;
import org.chat21.camel.observer.MalformedPublicationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read receipts (spec 8): a client publishes {@code {"status": 200}} to
 * {@code apps.<app>.users.<me>.messages.<convers_with>.<message_id>.update} once its user read a message.
 * Stored as 200 on the reader's copy and 250 (return receipt) on the other side's copy, then
 * {@code {timelineOf, message_id, status: 250}} is published to the other side's
 * {@code ...messages.<me>.<message_id>.clientupdated}. A status only rises. Only a message the reader
 * really has, in that conversation, sent by someone else, can be marked: no one writes into a timeline
 * they don't share, and a sender cannot mark their own message read.
 * Bound as {@code readReceipts}.
 */
public class ReadReceipts {
    private static final Logger LOG = LoggerFactory.getLogger(ReadReceipts.class);
    public static final int RECEIVED = 200;
    public static final int RETURN_RECEIPT = 250;

    private final MongoCollection<Document> messages;

    public ReadReceipts(MongoDatabase db) {
        this.messages = db.getCollection("messages");
    }

    /** Stores a receipt; the publications that tell the other side (none when there is nothing to mark). */
    public List<Publication> read(ClientTopic topic, byte[] body) {
        ObjectNode json = Json.parseObject(body);
        JsonNode status = json.get("status");
        if (json.size() != 1 || status == null || !status.isIntegralNumber()) {
            throw new MalformedPublicationException("a receipt is {\"status\": 200}");
        }
        if (status.intValue() != RECEIVED) {
            // the original handles 200 only; other statuses are not for clients to set
            LOG.debug("receipt with status {} ignored", status.intValue());
            return List.of();
        }
        // the reader's copy of a message someone else sent: a sender cannot "read" their own message
        Document reader = new Document("timelineOf", topic.userId()).append("message_id", topic.messageId())
                .append("app_id", topic.appId()).append("conversWith", topic.conversWith())
                .append("sender", new Document("$ne", topic.userId()));
        if (messages.updateOne(reader, Updates.max("status", RECEIVED)).getMatchedCount() == 0) {
            LOG.debug("receipt for a message {} does not have: ignored", topic.userId());
            return List.of();
        }
        messages.updateOne(new Document("timelineOf", topic.conversWith()).append("message_id", topic.messageId())
                .append("app_id", topic.appId()), Updates.max("status", RETURN_RECEIPT));
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("timelineOf", topic.conversWith());
        update.put("message_id", topic.messageId());
        update.put("status", RETURN_RECEIPT);
        return List.of(new Publication(
                Topics.messageUpdated(topic.appId(), topic.conversWith(), topic.userId(), topic.messageId()), update));
    }
}
