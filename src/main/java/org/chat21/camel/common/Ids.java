package org.chat21.camel.common;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Pattern;

/**
 * Id rules. App, user and group ids end up inside AMQP routing keys ({@code apps.<app>.users.<id>...}),
 * so anything that is a routing-key separator or wildcard ({@code . # *}), an MQTT topic character
 * ({@code / + #}), {@code $}, white space or a control character is refused.
 * Real Chat21 ids ({@code 5f09983d20f76b0019af7190}, {@code USER1}, {@code 03-ANDREALEO},
 * {@code group-<uuid>}, {@code support-group-<project>-<hex>}, {@code bot_...}) all pass.
 */
public final class Ids {
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_\\-:@|~=]{1," + MAX_LENGTH + "}");

    private Ids() {
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** Returns the id if valid, otherwise throws a 400 naming the field. */
    public static String require(String field, Object id) {
        if (!(id instanceof String s) || !isValid(s)) {
            throw ApiException.badRequest("invalid " + field);
        }
        return s;
    }

    /**
     * One entry of a member map {@code {"<id>": 1}}: the id routable and the value the number 1 or
     * {@code true} (Chat21 clients send 1; the original only tests the value for truth, so {@code true} is
     * taken too and stored as 1). Anything else, {@code {"$gt": 1}} above all, is a 400 naming the field.
     */
    public static String requireMember(String field, String id, JsonNode value) {
        boolean one = value != null && (value.isNumber() && value.doubleValue() == 1.0
                || value.isBoolean() && value.booleanValue());
        if (!one) {
            throw ApiException.badRequest(field + " values must be 1");
        }
        return require(field + " id", id);
    }

    /** A message is a group message when its channel is "group" or the recipient id contains "group-". */
    public static boolean isGroupRecipient(String recipientId) {
        return recipientId.contains("group-");
    }
}
