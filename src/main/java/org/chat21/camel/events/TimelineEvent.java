package org.chat21.camel.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One publication of a user's timeline as a server-sent event: the routing key's last segment as the event
 * name ({@code clientadded}, {@code clientupdated}, {@code clientdeleted}...) and one line of JSON
 * {@code {"topic": <routing key>, "payload": <the published JSON>}}. A timeline copy
 * ({@code apps.<app>.users.<u>.messages.<cw>.clientadded}) has a position in the store,
 * {@code <timestamp>-<message_id>}, the order the replay reads the {@code messages} collection in. Other
 * events (status and conversation updates, group changes) are not stored as such. Every event's id is the
 * stream's position after it (see {@link StreamBuffer}), so resuming after any of them misses no copy.
 *
 * @param copy the copy's position, or null for an event that is not a stored copy
 */
public record TimelineEvent(String name, String data, Position copy) {
    private static final Pattern POSITION = Pattern.compile("(\\d{1,19})-(.{0," + Ids.MAX_LENGTH + "})");

    /** A position in a timeline: after the copy of this timestamp and message id (an empty id: before any at it). */
    public record Position(long timestamp, String messageId) {
        @Override
        public String toString() {
            return timestamp + "-" + messageId;
        }

        /** This position is after {@code other}'s, in the order (timestamp, message id). */
        public boolean after(Position other) {
            return timestamp != other.timestamp ? timestamp > other.timestamp : messageId.compareTo(other.messageId) > 0;
        }
    }

    /**
     * A {@code Last-Event-ID} as this service writes them; anything else is a 400 (a client must not be able
     * to steer the replay query with it).
     */
    public static Position parsePosition(String lastEventId) {
        Matcher m = POSITION.matcher(lastEventId.trim());
        if (!m.matches() || !(m.group(2).isEmpty() || Ids.isValid(m.group(2)))) {
            throw ApiException.badRequest("invalid Last-Event-ID");
        }
        try {
            return new Position(Long.parseLong(m.group(1)), m.group(2));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid Last-Event-ID");
        }
    }

    /** A publication as it came from the broker. A body that is not JSON is passed on as a JSON string. */
    public static TimelineEvent published(String routingKey, byte[] body) {
        JsonNode payload;
        try {
            payload = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            payload = null;
        }
        if (payload == null) {
            payload = TextNode.valueOf(new String(body, StandardCharsets.UTF_8));
        }
        Position copy = null;
        JsonNode ts = payload.get("timestamp");
        JsonNode id = payload.get("message_id");
        if (isCopy(routingKey) && ts != null && ts.isIntegralNumber() && ts.canConvertToLong() && id != null
                && id.isTextual()) {
            copy = new Position(ts.asLong(), id.textValue());
        }
        return new TimelineEvent(name(routingKey), data(routingKey, payload), copy);
    }

    /** A stored copy, as the replay reads it (as published: without the store's {@code _id}). */
    public static TimelineEvent stored(String routingKey, Map<String, Object> copy, Position position) {
        Map<String, Object> view = new java.util.LinkedHashMap<>(copy);
        view.remove("_id");
        return new TimelineEvent(name(routingKey), data(routingKey, Json.MAPPER.valueToTree(view)), position);
    }

    /** The copy's position as an event id, or null when this is not a stored copy. */
    public String copyId() {
        return copy == null ? null : copy.toString();
    }

    /** The event as written on the stream, with {@code id} its id. */
    public String frame(String id) {
        return "id: " + id + "\nevent: " + name + "\ndata: " + data + "\n\n";
    }

    /** {@code apps.<app>.users.<user>.messages.<convers_with>.clientadded} */
    static boolean isCopy(String routingKey) {
        String[] parts = routingKey.split("\\.", -1);
        return parts.length == 7 && parts[2].equals("users") && parts[4].equals("messages")
                && parts[6].equals("clientadded");
    }

    static String name(String routingKey) {
        String last = routingKey.substring(routingKey.lastIndexOf('.') + 1);
        // the event name sits on a line of its own: nothing that would end it
        return last.isEmpty() || !Ids.isValid(last) ? "message" : last;
    }

    private static String data(String routingKey, JsonNode payload) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("topic", routingKey);
        data.set("payload", payload);
        // Jackson's compact output escapes control characters in strings: one line, always
        return Json.write(data);
    }
}
