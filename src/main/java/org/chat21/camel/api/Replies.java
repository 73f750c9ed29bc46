package org.chat21.camel.api;

import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chat21's JSON reply shapes, keys in Chat21's order. The routes pick the shape and the status; the
 * {@code reply} route (routes/api.yaml) writes it. Stored documents are shown as clients see them
 * ({@link Json#clientView}: an ObjectId {@code _id} as its hex string).
 */
public class Replies {

    /** {@code {"success": true, "result": ...}}: a message, a group, or a list of stored documents. */
    public Map<String, Object> result(Object result) {
        Map<String, Object> body = ok();
        body.put("result", view(result));
        return body;
    }

    /** {@code {"success": true}} */
    public Map<String, Object> ok() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        return body;
    }

    /** {@code {"success": true, "group": ...}}: a group as created. */
    public Map<String, Object> group(Map<String, Object> group) {
        Map<String, Object> body = ok();
        body.put("group", Json.clientView(group));
        return body;
    }

    /** {@code {"success": false, "err": ...}}: every error of the API. */
    public Map<String, Object> error(String err) {
        return Json.error(err);
    }

    /** The status of a refused request: that of the {@link ApiException} in the failure's cause chain. */
    public int status(Throwable failure) {
        ApiException refusal = ApiException.in(failure);
        return refusal == null ? 500 : refusal.status();
    }

    /** The error body of a refused request: {@code err} is the {@link ApiException}'s text. */
    public Map<String, Object> refusal(Throwable failure) {
        ApiException refusal = ApiException.in(failure);
        return error(refusal == null ? "internal error" : refusal.getMessage());
    }

    /** {@code {"v": "<version>"}} of {@code getInfo} */
    public Map<String, Object> info(String version) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("v", version);
        return body;
    }

    @SuppressWarnings("unchecked")
    private static Object view(Object result) {
        if (result instanceof List<?> list) {
            List<Object> views = new ArrayList<>(list.size());
            for (Object item : list) {
                views.add(item instanceof Map<?, ?> map ? Json.clientView((Map<String, Object>) map) : item);
            }
            return views;
        }
        if (result instanceof Map<?, ?> map) {
            return Json.clientView((Map<String, Object>) map);
        }
        return result;
    }
}
