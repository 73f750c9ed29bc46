package org.chat21.camel.infra;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import org.bson.Document;
import org.slf4j.LoggerFactory;

import java.util.List;

import static com.mongodb.client.model.Indexes.ascending;

/**
 * A database as the original Chat21 servers leave it: their indexes (none named, so MongoDB's default
 * names) and documents of their shape. For the tests of starting on, and migrating, such a database.
 */
public final class OriginalChat21 {
    private OriginalChat21() {
    }

    /** The indexes chat21-server (chatdb/index.js) and chat21-http-server create at start. */
    public static void createIndexes(MongoDatabase db) {
        // chat21-server
        db.getCollection("conversations").createIndex(ascending("timelineOf", "conversWith"), new IndexOptions().unique(true));
        db.getCollection("messages").createIndex(ascending("timelineOf", "message_id"));
        db.getCollection("groups").createIndex(ascending("uid"));
        // chat21-http-server
        db.getCollection("messages").createIndex(ascending("timelineOf", "conversWith"));
        db.getCollection("conversations").createIndex(ascending("timelineOf", "app_id", "timestamp", "archived"));
        db.getCollection("conversations").createIndex(ascending("app_id", "conversWith"));
        db.getCollection("groups").createIndex(ascending("uid"));
        db.getCollection("instances").createIndex(ascending("user_id"));
    }

    /** One timeline copy of a direct message from {@code sender} to {@code recipient}, as the original stores it. */
    public static Document messageCopy(String appId, String messageId, String timelineOf, String sender,
                                       String recipient, String text, int status, long timestamp) {
        return new Document("message_id", messageId)
                .append("timelineOf", timelineOf)
                .append("conversWith", timelineOf.equals(sender) ? recipient : sender)
                .append("app_id", appId)
                .append("sender", sender)
                .append("sender_fullname", sender + " Fullname")
                .append("recipient", recipient)
                .append("recipient_fullname", recipient + " Fullname")
                .append("text", text)
                .append("type", "text")
                .append("channel_type", "direct")
                .append("status", status)
                .append("timestamp", timestamp);
    }

    /** The conversation a copy leaves behind: its fields plus conversWith, key, is_new, archived, last_message_text. */
    public static Document conversation(Document copy) {
        Document conversation = new Document(copy);
        conversation.remove("_id");
        return conversation.append("key", copy.get("conversWith"))
                .append("is_new", true)
                .append("archived", false)
                .append("last_message_text", copy.get("text"));
    }

    /** A group of the original's shape. */
    public static Document group(String appId, String uid, String owner, List<String> members, long now) {
        Document memberMap = new Document();
        members.forEach(m -> memberMap.append(m, 1));
        return new Document("uid", uid).append("name", "Group " + uid).append("appId", appId).append("owner", owner)
                .append("members", memberMap).append("createdOn", now).append("updatedOn", now);
    }

    /** Collects what {@code type} logs, until {@link Captured#close()}. */
    public static Captured capture(Class<?> type) {
        return new Captured((Logger) LoggerFactory.getLogger(type));
    }

    public static final class Captured implements AutoCloseable {
        private final Logger logger;
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        Captured(Logger logger) {
            this.logger = logger;
            appender.start();
            logger.addAppender(appender);
        }

        /** The WARN lines logged so far. */
        public List<String> warnings() {
            return appender.list.stream().filter(e -> e.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }

        /** The WARN lines that contain {@code text}. */
        public List<String> warnings(String text) {
            return warnings().stream().filter(w -> w.contains(text)).toList();
        }

        /** Whether any event carried a stack trace. */
        public boolean anyStackTrace() {
            return appender.list.stream().anyMatch(e -> e.getThrowableProxy() != null);
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
        }
    }
}
