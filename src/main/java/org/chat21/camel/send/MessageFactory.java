package org.chat21.camel.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Builds the message of a {@code POST /{app_id}/messages} (spec 5) from the caller and the request body:
 * every field type-checked, ids checked for routing-key safety, a server-generated {@code message_id}
 * (derived from the {@code Idempotency-Key} header when the client sends one, so that a retry maps to
 * the same message) and the server's timestamp unless the client gives one.
 */
public class MessageFactory {
    public static final String DIRECT = "direct";
    public static final String GROUP = "group";
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");
    private static final int MAX_SHORT_FIELD = 1024;
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");

    private final Clock clock;

    public MessageFactory() {
        this(Clock.systemUTC());
    }

    public MessageFactory(Clock clock) {
        this.clock = clock;
    }

    /** The message of a request body (400 for anything that does not fit), as the caller sends it. */
    public Map<String, Object> build(Caller caller, String appId, byte[] body, String idempotencyKey) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("request body must be a JSON object (Content-Type: application/json)");
        }
        ObjectNode json = Json.parseObject(body);

        String senderFullname = limited(json, "sender_fullname", Json.requiredString(json, "sender_fullname"));
        String recipient = Ids.require("recipient_id", textOrWrongType(json, "recipient_id"));
        String recipientFullname = limited(json, "recipient_fullname", Json.requiredString(json, "recipient_fullname"));
        String text = Json.optionalString(json, "text");
        String type = Json.optionalString(json, "type");
        if (type == null) {
            type = "text";
        } else if (!TYPE.matcher(type).matches()) {
            throw ApiException.badRequest("invalid type");
        }
        String channelType = Json.optionalString(json, "channel_type");
        if (channelType == null) {
            channelType = DIRECT;
        } else if (!channelType.equals(DIRECT) && !channelType.equals(GROUP)) {
            throw ApiException.badRequest("channel_type must be direct or group");
        }
        if (Ids.isGroupRecipient(recipient)) {
            channelType = GROUP;
        }
        Map<String, Object> attributes = Json.optionalObject(json, "attributes");
        Map<String, Object> metadata = Json.optionalObject(json, "metadata");

        String sender = caller.userId();
        String senderId = Json.optionalString(json, "sender_id");
        if (senderId != null && !senderId.equals(sender)) {
            if (!caller.admin()) {
                throw ApiException.forbidden("only admins may set sender_id");
            }
            sender = senderId;
        }
        Ids.require("sender id", sender);

        long timestamp = clock.millis();
        JsonNode ts = json.get("timestamp");
        if (ts != null && !ts.isNull()) {
            if (!ts.canConvertToLong() || !ts.isIntegralNumber() || ts.longValue() < 0) {
                throw ApiException.badRequest("timestamp must be a non-negative integer (ms since epoch)");
            }
            timestamp = ts.longValue();
        }

        String messageId;
        if (idempotencyKey != null) {
            if (!IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
                throw ApiException.badRequest("invalid Idempotency-Key");
            }
            String seed = appId + '\n' + sender + '\n' + idempotencyKey;
            messageId = UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
        } else {
            messageId = UUID.randomUUID().toString();
        }

        return message(messageId, appId, sender, senderFullname, recipient, recipientFullname, text == null ? "" : text,
                type, channelType, timestamp, attributes, metadata);
    }

    /** The accepted message (status 0), fields in Chat21's order; attributes and metadata only when given. */
    private static Map<String, Object> message(String messageId, String appId, String sender, String senderFullname,
                                               String recipient, String recipientFullname, String text, String type,
                                               String channelType, long timestamp, Map<String, Object> attributes,
                                               Map<String, Object> metadata) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("message_id", messageId);
        message.put("app_id", appId);
        message.put("sender", sender);
        message.put("sender_fullname", senderFullname);
        message.put("recipient", recipient);
        message.put("recipient_fullname", recipientFullname);
        message.put("text", text);
        message.put("type", type);
        message.put("channel_type", channelType);
        message.put("status", 0);
        message.put("timestamp", timestamp);
        if (attributes != null) {
            message.put("attributes", attributes);
        }
        if (metadata != null) {
            message.put("metadata", metadata);
        }
        return message;
    }

    /**
     * A system message to a group (sender {@code system}, {@code System}), sent through the normal group
     * delivery like any other message: Chat21's info messages of spec 6.
     */
    public Map<String, Object> system(String appId, String groupId, String groupName, String text,
                                      Map<String, Object> attributes) {
        return message(UUID.randomUUID().toString(), appId, "system", "System", groupId,
                groupName == null ? groupId : groupName, text, "text", GROUP, clock.millis(), attributes, null);
    }

    private static Object textOrWrongType(ObjectNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.badRequest(field + " is required");
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest(field + " must be a string");
        }
        return value.textValue();
    }

    private static String limited(ObjectNode json, String field, String value) {
        if (value.length() > MAX_SHORT_FIELD) {
            throw ApiException.badRequest(field + " is too long");
        }
        return value;
    }
}
