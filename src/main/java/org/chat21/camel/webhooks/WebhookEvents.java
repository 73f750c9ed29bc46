package org.chat21.camel.webhooks;

import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.DeliveryPlanner;
import org.chat21.camel.delivery.TimelinePublisher.Publication;
import org.chat21.camel.observer.ClientTopic;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The webhook events (spec 9), in the original Chat21 observer's JSON shapes, built from what the flows
 * already have (copies, receipt and archive publications, presence records, group changes). Pure: no I/O.
 * An event of a message carries an id derived from what it is about (type, app, timeline, message, status),
 * so the same event told twice (a batch the relay delivers again) has the same id and receivers can drop the
 * repeat; the others get a random id.
 */
public final class WebhookEvents {
    public static final String MESSAGE_SENT = "message-sent";
    public static final String MESSAGE_DELIVERED = "message-delivered";
    public static final String MESSAGE_RECEIVED = "message-received";
    public static final String MESSAGE_RETURN_RECEIPT = "message-return-receipt";
    public static final String CONVERSATION_ARCHIVED = "conversation-archived";
    public static final String CONVERSATION_UNARCHIVED = "conversation-unarchived";
    public static final String PRESENCE_CHANGE = "presence-change";
    public static final String GROUP_CREATED = "group-created";
    public static final String GROUP_UPDATED = "group-updated";
    public static final List<String> ALL = List.of(MESSAGE_SENT, MESSAGE_DELIVERED, MESSAGE_RECEIVED,
            MESSAGE_RETURN_RECEIPT, CONVERSATION_ARCHIVED, CONVERSATION_UNARCHIVED, PRESENCE_CHANGE, GROUP_CREATED,
            GROUP_UPDATED);

    private WebhookEvents() {
    }

    /**
     * One event: its id, type, and the timeline it is about (the user or group whose copy, conversation or
     * presence it is), which with the app makes its routing key {@code <event_type>.<app_id>.<timeline>}.
     */
    public record Event(String id, String type, String appId, String timeline, Map<String, Object> json) {
        public String routingKey() {
            return type + "." + appId + "." + timeline;
        }
    }

    /** Parses {@code WEBHOOK_EVENTS}: comma-separated names, all of them when blank; an unknown name is refused. */
    public static Set<String> parseTypes(String names) {
        if (names == null || names.isBlank()) {
            return Set.copyOf(ALL);
        }
        Set<String> types = new java.util.LinkedHashSet<>();
        for (String name : names.split(",")) {
            String type = name.trim();
            if (type.isEmpty()) {
                continue;
            }
            if (!ALL.contains(type)) {
                throw new IllegalArgumentException("unknown webhook event '" + type + "' (known: " + String.join(",", ALL) + ")");
            }
            types.add(type);
        }
        return Set.copyOf(types);
    }

    /**
     * {@code message-sent} for each status-100 copy (the sender's, or a group's own timeline) and
     * {@code message-delivered} for each status-150 copy (a recipient's), as the original tells them:
     * {@code recipient_id} = the copy's timeline, {@code data} = the copy, {@code extras.topic} = its
     * {@code clientadded} routing key.
     */
    public static List<Event> ofCopies(List<Map<String, Object>> copies, Set<String> types, long now) {
        List<Event> events = new ArrayList<>();
        for (Map<String, Object> copy : copies) {
            Object status = copy.get("status");
            String type = status instanceof Number n && n.intValue() == DeliveryPlanner.STATUS_SENT ? MESSAGE_SENT
                    : status instanceof Number n2 && n2.intValue() == DeliveryPlanner.STATUS_DELIVERED ? MESSAGE_DELIVERED
                    : null;
            if (type == null || !types.contains(type)) {
                continue;
            }
            String app = String.valueOf(copy.get("app_id"));
            String timeline = String.valueOf(copy.get("timelineOf"));
            String messageId = String.valueOf(copy.get("message_id"));
            Map<String, Object> json = envelope(type, now, app);
            json.put("recipient_id", timeline);
            json.put("message_id", messageId);
            json.put("data", Json.clientView(copy));
            json.put("extras", Map.of("topic", DeliveryPlanner.routingKey(copy)));
            events.add(new Event(stableId(type, app, timeline, messageId, String.valueOf(status)), type, app, timeline, json));
        }
        return events;
    }

    /**
     * A read receipt (the reader's topic and the publications that told the sender, see
     * receipt.ReadReceipts): {@code message-received} on the reader's copy (status 200) and
     * {@code message-return-receipt} on the sender's (status 250). None when nothing was marked.
     */
    public static List<Event> ofReceipt(ClientTopic topic, List<Publication> told, Set<String> types, long now) {
        List<Event> events = new ArrayList<>();
        if (told.isEmpty()) {
            return events;
        }
        String app = topic.appId();
        String clientTopic = "apps." + app + ".users." + topic.userId() + ".messages." + topic.conversWith() + "."
                + topic.messageId() + ".update";
        if (types.contains(MESSAGE_RECEIVED)) {
            events.add(statusEvent(MESSAGE_RECEIVED, app, topic.userId(), topic.conversWith(), topic.messageId(), 200,
                    clientTopic, now));
        }
        if (types.contains(MESSAGE_RETURN_RECEIPT)) {
            for (Publication publication : told) {
                events.add(statusEvent(MESSAGE_RETURN_RECEIPT, app, topic.conversWith(), topic.userId(),
                        topic.messageId(), 250, publication.routingKey(), now));
            }
        }
        return events;
    }

    private static Event statusEvent(String type, String app, String timeline, String conversWith, String messageId,
                                     int status, String topic, long now) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("timelineOf", timeline);
        data.put("conversWith", conversWith);
        data.put("message_id", messageId);
        data.put("app_id", app);
        data.put("status", status);
        Map<String, Object> json = envelope(type, now, app);
        json.put("recipient_id", timeline);
        json.put("message_id", messageId);
        json.put("data", data);
        json.put("extras", Map.of("topic", topic));
        return new Event(stableId(type, app, timeline, messageId, String.valueOf(status)), type, app, timeline, json);
    }

    /**
     * {@code conversation-archived} for each archive among a conversation change's publications (the
     * {@code archived_conversations...clientadded} one), in the original's shape: {@code user_id} = whose
     * conversation, {@code recipient_id} = {@code convers_with} = the other side (what Tiledesk reads).
     */
    public static List<Event> ofConversationChange(List<Publication> told, Set<String> types, long now) {
        List<Event> events = new ArrayList<>();
        if (!types.contains(CONVERSATION_ARCHIVED)) {
            return events;
        }
        for (Publication publication : told) {
            String[] key = publication.routingKey().split("\\.");
            // apps.<app>.users.<user>.archived_conversations.<convers_with>.clientadded
            if (key.length == 7 && key[4].equals("archived_conversations") && key[6].equals("clientadded")
                    && publication.body() instanceof Map<?, ?> body) {
                @SuppressWarnings("unchecked")
                Map<String, Object> conversation = (Map<String, Object>) body;
                events.add(conversationEvent(CONVERSATION_ARCHIVED, key[1], key[3], key[5], conversation,
                        publication.routingKey(), now, UUID.randomUUID().toString()));
            }
        }
        return events;
    }

    /**
     * {@code conversation-unarchived}: a new message reaches a conversation that was archived, which it
     * brings back (the copy replaces the conversation). {@code data} is the conversation as the copy leaves it.
     */
    public static Event unarchived(Map<String, Object> copy, long now) {
        String app = String.valueOf(copy.get("app_id"));
        String user = String.valueOf(copy.get("timelineOf"));
        String with = String.valueOf(copy.get("conversWith"));
        return conversationEvent(CONVERSATION_UNARCHIVED, app, user, with,
                Json.clientView(DeliveryPlanner.conversationOf(copy)), DeliveryPlanner.routingKey(copy), now,
                stableId(CONVERSATION_UNARCHIVED, app, user, with, String.valueOf(copy.get("message_id"))));
    }

    private static Event conversationEvent(String type, String app, String user, String with,
                                           Map<String, Object> conversation, String topic, long now, String id) {
        Map<String, Object> json = envelope(type, now, app);
        json.put("user_id", user);
        json.put("recipient_id", with);
        json.put("convers_with", with);
        json.put("data", conversation);
        json.put("extras", Map.of("topic", topic));
        return new Event(id, type, app, user, json);
    }

    /**
     * {@code presence-change}, as the original observer publishes it: {@code presence} online or offline,
     * {@code user_id}, {@code data: true}.
     *   record: {app_id, user_id, client_id, presence, createdAt} (presence.Presence)
     */
    public static Event presence(Map<String, Object> record, long now) {
        String app = String.valueOf(record.get("app_id"));
        String user = String.valueOf(record.get("user_id"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event_type", PRESENCE_CHANGE);
        json.put("presence", record.get("presence"));
        json.put("createdAt", record.get("createdAt") instanceof Number n ? n.longValue() : now);
        json.put("app_id", app);
        json.put("user_id", user);
        json.put("data", true);
        return new Event(UUID.randomUUID().toString(), PRESENCE_CHANGE, app, user, json);
    }

    /** {@code group-created} or {@code group-updated}: {@code recipient_id} = the group, {@code data} = the group now. */
    public static Event group(String type, Map<String, Object> group, long now) {
        String app = String.valueOf(group.get("appId"));
        String groupId = String.valueOf(group.get("uid"));
        Map<String, Object> json = envelope(type, now, app);
        json.put("recipient_id", groupId);
        json.put("data", Json.clientView(group));
        return new Event(UUID.randomUUID().toString(), type, app, groupId, json);
    }

    private static Map<String, Object> envelope(String type, long now, String app) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event_type", type);
        json.put("createdAt", now);
        json.put("app_id", app);
        return json;
    }

    /** A name-based UUID: the same parts always give the same id. */
    static String stableId(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("|", parts).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
