package org.chat21.camel.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Push-notification instances and the notify endpoint (spec 3), bound as {@code instances}. */
public class Instances {
    private static final Logger LOG = LoggerFactory.getLogger(Instances.class);
    /**
     * What push tokens are made of: FCM registration tokens (~150-170 characters of base64url plus ':'),
     * APNs device tokens (64 hex digits). The id is only a MongoDB value (never a key, never a routing key),
     * but '.', '/', '$', '%', white space and the like have no business in it, so they are refused.
     */
    static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9_:-]{1,512}");
    private static final String[] INSTANCE_FIELDS = {"device_model", "language", "platform", "platform_version"};

    private final InstanceStore store;

    public Instances(InstanceStore store) {
        this.store = store;
    }

    /** {@code POST /{app_id}/{user_id}/instances/{instance_id}}: that user only; upsert by instance id. */
    public void register(Caller caller, String appId, String userId, String instanceId, byte[] body) {
        if (!caller.userId().equals(userId)) {
            throw ApiException.forbidden("you may register instances only for yourself");
        }
        if (instanceId == null || !INSTANCE_ID.matcher(instanceId).matches()) {
            throw ApiException.badRequest("invalid instance_id");
        }
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("the instance is required: a JSON object of " + String.join(", ", INSTANCE_FIELDS));
        }
        ObjectNode json = Json.parseObject(body);
        Map<String, Object> instance = new LinkedHashMap<>();
        instance.put("instance_id", instanceId);
        instance.put("app_id", appId);
        instance.put("user_id", userId);
        for (String field : INSTANCE_FIELDS) {
            String value = Json.optionalString(json, field);
            if (value != null && value.length() > 256) {
                throw ApiException.badRequest(field + " is too long");
            }
            instance.put(field, value);
        }
        // an instance of nulls tells a push service nothing
        if (Arrays.stream(INSTANCE_FIELDS).allMatch(f -> instance.get(f) == null)) {
            throw ApiException.badRequest("the instance needs at least one of " + String.join(", ", INSTANCE_FIELDS));
        }
        store.upsert(instance);
    }

    /**
     * {@code POST /{app_id}/notify} (admins): accepted and logged. Delivering push notifications (Firebase)
     * is not part of this service.
     */
    public void pushNotification(Caller caller, byte[] body) {
        if (!caller.admin()) {
            throw ApiException.forbidden("only admins may send notifications");
        }
        ObjectNode json = Json.parseObject(body);
        LOG.info("push notification request accepted (not forwarded: no push provider is configured): event {} for {}",
                loggable(json.path("event_type").asText("?")), loggable(json.path("recipient_id").asText("?")));
    }

    /** Client text in a log line: no line breaks or other control characters, at most 128 characters. */
    static String loggable(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 128 ? clean.substring(0, 128) + "..." : clean;
    }
}
