package org.chat21.camel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Archiving and deleting a conversation (spec 7), registering push instances and the notify endpoint,
 * bound as {@code conversations}.
 */
public class ConversationSteps {
    private static final Logger LOG = LoggerFactory.getLogger(ConversationSteps.class);
    /** FCM / APNs tokens are long and use ':' and '-'; they never reach a routing key. */
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9_\\-:.=+/]{1,512}");
    private static final String[] INSTANCE_FIELDS = {"device_model", "language", "platform", "platform_version"};

    private final ConversationStore store;

    public ConversationSteps(ConversationStore store) {
        this.store = store;
    }

    /**
     * {@code DELETE /{app_id}/conversations/{convers_with}}: archive the caller's conversation (an admin may
     * name another user in the body's {@code user_id}); with {@code ?delete=true} remove it and that user's
     * copies of its messages. 404 when there is no such conversation.
     */
    public void archiveOrDelete(Exchange exchange) {
        var in = exchange.getMessage();
        Caller caller = exchange.getProperty(Steps.CALLER, Caller.class);
        String appId = in.getHeader("app_id", String.class);
        String conversWith = in.getHeader("convers_with", String.class);
        String userId = caller.userId();
        byte[] raw = in.getBody(byte[].class);
        if (raw != null && raw.length > 0) {
            ObjectNode body = Json.parseObject(raw);
            String asUser = Json.optionalString(body, "user_id");
            if (asUser != null && !asUser.equals(userId)) {
                if (!caller.admin()) {
                    throw ApiException.forbidden("only admins may act for another user_id");
                }
                userId = Ids.require("user_id", asUser);
            }
        }
        String base = "apps." + appId + ".users." + userId + ".";
        List<TimelinePublisher.Publication> updates = new ArrayList<>();
        if ("true".equalsIgnoreCase(in.getHeader("delete", String.class))) {
            Map<String, Object> deleted = store.delete(appId, userId, conversWith);
            if (deleted == null) {
                throw new ApiException(404, "conversation not found");
            }
            updates.add(new TimelinePublisher.Publication(base + "conversations." + conversWith + ".clientdeleted",
                    Json.clientView(deleted)));
        } else {
            Map<String, Object> archived = store.archive(appId, userId, conversWith);
            if (archived == null) {
                throw new ApiException(404, "conversation not found");
            }
            updates.add(new TimelinePublisher.Publication(base + "conversations." + conversWith + ".clientdeleted",
                    Json.clientView(archived)));
            updates.add(new TimelinePublisher.Publication(
                    base + "archived_conversations." + conversWith + ".clientadded", Json.clientView(archived)));
        }
        exchange.setProperty(Steps.UPDATES, updates);
    }

    /** Client text in a log line: no line breaks or other control characters, at most 128 characters. */
    static String loggable(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 128 ? clean.substring(0, 128) + "..." : clean;
    }

    /** {@code POST /{app_id}/{user_id}/instances/{instance_id}}: that user only; upsert by instance id. */
    public String registerInstance(Exchange exchange) {
        var in = exchange.getMessage();
        Caller caller = exchange.getProperty(Steps.CALLER, Caller.class);
        String userId = in.getHeader("user_id", String.class);
        if (!caller.userId().equals(userId)) {
            throw ApiException.forbidden("you may register instances only for yourself");
        }
        String instanceId = in.getHeader("instance_id", String.class);
        if (instanceId == null || !INSTANCE_ID.matcher(instanceId).matches()) {
            throw ApiException.badRequest("invalid instance_id");
        }
        byte[] raw = in.getBody(byte[].class);
        ObjectNode body = raw == null || raw.length == 0 ? Json.MAPPER.createObjectNode() : Json.parseObject(raw);
        Map<String, Object> instance = new LinkedHashMap<>();
        instance.put("instance_id", instanceId);
        instance.put("app_id", in.getHeader("app_id", String.class));
        instance.put("user_id", userId);
        for (String field : INSTANCE_FIELDS) {
            String value = Json.optionalString(body, field);
            if (value != null && value.length() > 256) {
                throw ApiException.badRequest(field + " is too long");
            }
            instance.put(field, value);
        }
        store.upsertInstance(instance);
        return Steps.json(exchange, 200, Steps.ok());
    }

    /**
     * {@code POST /{app_id}/notify} (admins): accepted and logged. Delivering push notifications (Firebase)
     * is not part of this service.
     */
    public String pushNotification(Exchange exchange) {
        Caller caller = exchange.getProperty(Steps.CALLER, Caller.class);
        if (!caller.admin()) {
            throw ApiException.forbidden("only admins may send notifications");
        }
        ObjectNode body = Json.parseObject(exchange.getMessage().getBody(byte[].class));
        LOG.info("push notification request accepted (not forwarded: no push provider is configured): event {} for {}",
                loggable(body.path("event_type").asText("?")), loggable(body.path("recipient_id").asText("?")));
        return Steps.json(exchange, 200, Steps.ok());
    }
}
