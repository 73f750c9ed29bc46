package org.chat21.camel.presence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Json;
import org.chat21.camel.observer.ClientTopic;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Presence (spec 8): each MQTT client publishes {@code {"connected": true}} to
 * {@code apps.<app>.users.<me>.presence.<client_id>} when it connects, and leaves {@code {"disconnected": true}}
 * there as its last will. Recorded per user and client in {@code presence} ({@code app_id, user_id,
 * client_id, connected, updated_at}); a user is online while any of their clients is connected. Bound as
 * {@code presence}.
 */
public class Presence {
    private static final UpdateOptions UPSERT = new UpdateOptions().upsert(true);

    private final MongoCollection<Document> presence;
    private final Clock clock;

    public Presence(MongoDatabase db, Clock clock) {
        this.presence = db.getCollection("presence");
        this.clock = clock;
    }

    /** Records a client's presence; the change, for the on-presence-changed hook. */
    public Map<String, Object> record(ClientTopic topic, byte[] body) {
        ObjectNode json = Json.parseObject(body);
        JsonNode connected = json.get("connected");
        JsonNode disconnected = json.get("disconnected");
        boolean online;
        if (json.size() == 1 && connected != null && connected.isBoolean()) {
            online = connected.booleanValue();
        } else if (json.size() == 1 && disconnected != null && disconnected.isBoolean()) {
            online = !disconnected.booleanValue();
        } else {
            throw ApiException.badRequest("presence is {\"connected\": true} or {\"disconnected\": true}");
        }
        long now = clock.millis();
        presence.updateOne(new Document("app_id", topic.appId()).append("user_id", topic.userId())
                        .append("client_id", topic.clientId()),
                Updates.combine(Updates.set("connected", online), Updates.set("updated_at", now)), UPSERT);
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("app_id", topic.appId());
        change.put("user_id", topic.userId());
        change.put("client_id", topic.clientId());
        change.put("presence", online ? "online" : "offline");
        change.put("createdAt", now);
        return change;
    }
}
