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
    private final int maxInlineMembers;

    public MessageFactory() {
        this(Clock.systemUTC(), 10_000);
    }

    public MessageFactory(Clock clock) {
        this(clock, 10_000);
    }

    /** Bound in routes/beans.yaml with {@code chat21.groups.max-members}. */
    public MessageFactory(int maxInlineMembers) {
        this(Clock.systemUTC(), maxInlineMembers);
    }

    /** @param maxInlineMembers the most members an inline {@code group} of a message may name */
    public MessageFactory(Clock clock, int maxInlineMembers) {
        this.clock = clock;
        this.maxInlineMembers = maxInlineMembers;
    }

    /** The message of a request body (400 for anything that does not fit), as the caller sends it. */
    public Map<String, Object> build(Caller caller, String appId, byte[] body, String idempotencyKey) {
        ObjectNode json = object(body);
        String recipient = Ids.require("recipient_id", textOrWrongType(json, "recipient_id"));
        String senderFullname = limited(json, "sender_fullname", Json.requiredString(json, "sender_fullname"));
        String recipientFullname = limited(json, "recipient_fullname", Json.requiredString(json, "recipient_fullname"));

        String sender = caller.userId();
        String senderId = Json.optionalString(json, "sender_id");
        if (senderId != null && !senderId.equals(sender)) {
            if (!caller.admin()) {
                throw ApiException.forbidden("only admins may set sender_id");
            }
            sender = senderId;
        }
        Ids.require("sender id", sender);

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
        return fromJson(json, messageId, appId, sender, senderFullname, recipient, recipientFullname);
    }

    /**
     * The message a native client published to {@code apps.<app>.outgoing.users.<sender>.messages.<recipient>.outgoing}
     * (spec 8): sender and recipient are the routing key's, never the body's; the body is validated as an HTTP
     * one. Chat21 clients do not always send the two names: they default to the ids. The message id is the
     * caller's (see ClientPublications for how a redelivered publication keeps its first id).
     */
    public Map<String, Object> fromClient(String appId, String sender, String recipient, byte[] body, String messageId) {
        ObjectNode json = object(body);
        String senderFullname = Json.optionalString(json, "sender_fullname");
        String recipientFullname = Json.optionalString(json, "recipient_fullname");
        return fromJson(json, messageId, Ids.require("app id", appId), Ids.require("sender id", sender),
                senderFullname == null ? sender : limited(json, "sender_fullname", senderFullname),
                Ids.require("recipient id", recipient),
                recipientFullname == null ? recipient : limited(json, "recipient_fullname", recipientFullname));
    }

    private static ObjectNode object(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("request body must be a JSON object (Content-Type: application/json)");
        }
        return Json.parseObject(body);
    }

    /** The fields both ways of sending share: text, type, channel, attributes, metadata, timestamp, inline group. */
    private Map<String, Object> fromJson(ObjectNode json, String messageId, String appId, String sender,
                                         String senderFullname, String recipient, String recipientFullname) {
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

        long timestamp = clock.millis();
        JsonNode ts = json.get("timestamp");
        if (ts != null && !ts.isNull()) {
            if (!ts.canConvertToLong() || !ts.isIntegralNumber() || ts.longValue() < 0) {
                throw ApiException.badRequest("timestamp must be a non-negative integer (ms since epoch)");
            }
            timestamp = ts.longValue();
        }
        Map<String, Object> message = message(messageId, appId, sender, senderFullname, recipient, recipientFullname,
                text == null ? "" : text, type, channelType, timestamp, attributes, metadata);
        Map<String, Object> inlineGroup = inlineGroup(json, channelType);
        if (inlineGroup != null) {
            message.put("group", inlineGroup);
        }
        return message;
    }

    /**
     * {@code group: {members: {"<id>": 1, ...}}} on a group message: the members of a group that is not
     * stored (Tiledesk's support conversations), as the original observer delivers them. Ids are checked
     * like any id; only {@code members} is kept.
     */
    private Map<String, Object> inlineGroup(ObjectNode json, String channelType) {
        JsonNode group = json.get("group");
        if (group == null || group.isNull()) {
            return null;
        }
        if (!group.isObject()) {
            throw ApiException.badRequest("group must be an object");
        }
        JsonNode members = group.get("members");
        if (!GROUP.equals(channelType) || members == null || members.isNull()) {
            return null;
        }
        if (!members.isObject() || members.size() > maxInlineMembers) {
            throw ApiException.badRequest("group.members must be an object of at most " + maxInlineMembers + " ids");
        }
        Map<String, Object> ids = new LinkedHashMap<>();
        for (var it = members.fields(); it.hasNext(); ) {
            var member = it.next();
            ids.put(Ids.requireMember("group.members", member.getKey(), member.getValue()), 1);
        }
        return new LinkedHashMap<>(Map.of("members", ids));
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
