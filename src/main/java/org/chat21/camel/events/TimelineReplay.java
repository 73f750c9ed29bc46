package org.chat21.camel.events;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.chat21.camel.delivery.Topics;

import java.util.ArrayList;
import java.util.List;

/**
 * The replay of a resumed stream: the user's timeline copies in {@code messages} after a position, in the
 * order of their event ids (timestamp, then message id), a page at a time. Only copies are stored, so only
 * they are replayed; status, conversation and group updates that came while the client was away are not
 * (the copies and the conversation list carry their result).
 */
final class TimelineReplay {
    private final MongoCollection<Document> messages;

    TimelineReplay(MongoDatabase db) {
        this.messages = db.getCollection("messages");
    }

    /** A page of the replay, and where the next starts (null: this was the last). */
    record Page(List<TimelineEvent> events, TimelineEvent.Position next) {
    }

    /** Up to {@code limit} copies of the user's timeline after {@code after}, oldest first. */
    Page page(String appId, String userId, TimelineEvent.Position after, int limit) {
        Bson later = Filters.or(Filters.gt("timestamp", after.timestamp()),
                Filters.and(Filters.eq("timestamp", after.timestamp()), Filters.gt("message_id", after.messageId())));
        List<TimelineEvent> page = new ArrayList<>();
        TimelineEvent.Position last = null;
        int read = 0;
        for (Document copy : messages.find(Filters.and(Filters.eq("timelineOf", userId), Filters.eq("app_id", appId), later))
                .sort(Sorts.ascending("timestamp", "message_id")).limit(limit)) {
            read++;
            // a document without these (written by something else) has no place in the order: skipped
            if (copy.get("timestamp") instanceof Number ts && copy.get("message_id") instanceof String id
                    && copy.get("conversWith") instanceof String conversWith) {
                last = new TimelineEvent.Position(ts.longValue(), id);
                page.add(TimelineEvent.stored(Topics.messageAdded(appId, userId, conversWith), copy, last));
            }
        }
        return new Page(page, read < limit || last == null ? null : last);
    }
}
