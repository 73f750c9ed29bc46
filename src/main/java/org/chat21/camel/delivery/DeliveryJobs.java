package org.chat21.camel.delivery;

import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Reads the delivery jobs the service itself published (the accepted message as JSON). */
public class DeliveryJobs {
    /** The accepted message of a job; {@link MalformedJobException} when it is not one. */
    public Map<String, Object> read(byte[] job) {
        Map<String, Object> message;
        try {
            message = Json.readMap(job);
        } catch (RuntimeException e) {
            message = null;
        }
        if (message == null || !(message.get("message_id") instanceof String) || !isRoutable(message)) {
            String text = job == null ? "null" : new String(job, StandardCharsets.UTF_8);
            throw new MalformedJobException(text.length() > 512 ? text.substring(0, 512) + "..." : text);
        }
        return message;
    }

    private static boolean isRoutable(Map<String, Object> message) {
        return Ids.isValid(String.valueOf(message.get("app_id"))) && Ids.isValid(String.valueOf(message.get("sender")))
                && Ids.isValid(String.valueOf(message.get("recipient")));
    }
}
