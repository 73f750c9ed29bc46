package org.chat21.camel.delivery;

import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;
import org.chat21.camel.send.MessageFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The delivery jobs the service publishes and reads: the accepted message as JSON, on the queue of its channel. */
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

    /** The delivery queue of a message: {@code group} or {@code direct}, by its channel_type. */
    public String channel(Map<String, Object> message) {
        return MessageFactory.GROUP.equals(message.get("channel_type")) ? MessageFactory.GROUP : MessageFactory.DIRECT;
    }

    private static boolean isRoutable(Map<String, Object> message) {
        return Ids.isValid(String.valueOf(message.get("app_id"))) && Ids.isValid(String.valueOf(message.get("sender")))
                && Ids.isValid(String.valueOf(message.get("recipient")));
    }
}
