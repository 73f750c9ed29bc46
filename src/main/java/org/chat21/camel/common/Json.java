package org.chat21.camel.common;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one ObjectMapper of the service, and the JSON checks every request body goes through. */
public final class Json {
    /** Strict: trailing content after the value and duplicate keys are errors, not silently resolved. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Nesting deeper than this in attributes/metadata is refused. */
    static final int MAX_DEPTH = 16;

    private Json() {
    }

    /** Parses a request body that must be a JSON object; anything else is a 400. */
    public static ObjectNode parseObject(Object body) {
        if (body == null) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        JsonNode node;
        try {
            if (body instanceof byte[] bytes) {
                node = MAPPER.readTree(bytes);
            } else if (body instanceof String s) {
                node = MAPPER.readTree(s);
            } else {
                node = MAPPER.readTree(body.toString());
            }
        } catch (IOException e) {
            throw ApiException.badRequest("invalid JSON");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        return object;
    }

    /** An optional string field: absent or null gives {@code null}; any other type is a 400. */
    public static String optionalString(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest(field + " must be a string");
        }
        return value.textValue();
    }

    public static String requiredString(ObjectNode body, String field) {
        String value = optionalString(body, field);
        if (value == null) {
            throw ApiException.badRequest(field + " is required");
        }
        return value;
    }

    /**
     * An optional object field (attributes, metadata), as plain Java maps. Keys that MongoDB would read
     * as operators or paths ({@code $...}, containing {@code .}, or NUL) are refused, as is deep nesting.
     */
    public static Map<String, Object> optionalObject(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw ApiException.badRequest(field + " must be an object");
        }
        checkKeys(field, value, 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = MAPPER.convertValue(value, LinkedHashMap.class);
        return map;
    }

    private static void checkKeys(String field, JsonNode node, int depth) {
        if (depth > MAX_DEPTH) {
            throw ApiException.badRequest(field + " is nested too deeply");
        }
        if (node.isObject()) {
            var names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (name.isEmpty() || name.startsWith("$") || name.indexOf('.') >= 0 || name.indexOf('\0') >= 0) {
                    throw ApiException.badRequest(field + " has an invalid key");
                }
                checkKeys(field, node.get(name), depth + 1);
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                checkKeys(field, item, depth + 1);
            }
        }
    }

    /** {@code {"success": false, "err": ...}}: the error body of every failure. */
    public static Map<String, Object> error(String err) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("err", err);
        return body;
    }

    /** A stored document as clients see it: a copy, with an ObjectId {@code _id} as its hex string. */
    public static Map<String, Object> clientView(Map<String, Object> document) {
        Map<String, Object> view = new LinkedHashMap<>(document);
        if (view.get("_id") instanceof org.bson.types.ObjectId id) {
            view.put("_id", id.toHexString());
        }
        return view;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise response", e);
        }
    }

    public static byte[] writeBytes(Object value) {
        return write(value).getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> readMap(Object body) {
        try {
            if (body instanceof byte[] bytes) {
                return MAPPER.readValue(bytes, LinkedHashMap.class);
            }
            return MAPPER.readValue(body.toString(), LinkedHashMap.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON object", e);
        }
    }
}
