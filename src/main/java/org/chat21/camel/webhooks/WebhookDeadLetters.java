package org.chat21.camel.webhooks;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.bson.types.Binary;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Json;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Webhook events an endpoint still refused after every retry: kept in {@code webhook_dead_letters} (the
 * event as it was queued, its id, type, app, endpoint and queue, the last error, when), listed and replayed
 * by an admin of the app through the API. Replaying puts each event back on its endpoint's queue with its
 * id (confirmed by the broker) and only then removes it from the store: a crash in between replays it
 * twice, never loses it, and the receiver drops the repeat by its id. Bound as {@code webhookDeadLetters}.
 */
public class WebhookDeadLetters {
    private final MongoCollection<Document> letters;
    private final RabbitTemplate template;
    private final long confirmTimeoutMs;
    private final BrokerCheck broker;
    private final Clock clock;

    /** queue -> the URL of its endpoint (null: not an endpoint's) */
    private final java.util.function.Function<String, String> endpointOf;

    /** @param endpointOf an endpoint queue's URL (null for other queues) */
    public WebhookDeadLetters(MongoDatabase db, ConnectionFactory connections, long confirmTimeoutMs, BrokerCheck broker,
                              Clock clock, java.util.function.Function<String, String> endpointOf) {
        this.endpointOf = endpointOf;
        this.letters = db.getCollection("webhook_dead_letters");
        this.template = new RabbitTemplate(connections);
        this.confirmTimeoutMs = confirmTimeoutMs;
        this.broker = broker;
        this.clock = clock;
    }

    /**
     * Keeps an event that could not be delivered.
     *
     * @param body  the event JSON as it was queued
     * @param error why the last attempt failed
     */
    public void store(byte[] body, String queue, String url, String eventId, String eventType, Throwable error) {
        Map<String, Object> event;
        String app = null;
        try {
            event = Json.readMap(body);
            app = event.get("app_id") instanceof String s ? s : null;
        } catch (RuntimeException e) {
            event = null;
        }
        Document letter = new Document("event_id", eventId).append("event_type", eventType).append("app_id", app)
                .append("endpoint", url).append("queue", queue)
                .append("event", new Binary(body))
                .append("error", error == null ? null : String.valueOf(error.getMessage()))
                .append("failedAt", clock.millis());
        letters.insertOne(letter);
    }

    /**
     * Keeps an event that overflowed its endpoint's bounded queue or aged out of it, as RabbitMQ dead-lettered it
     * (its {@code x-death} header names the queue and the reason).
     *
     * @return the endpoint's URL (for the overflow counter), or "unknown"
     */
    public String overflowed(byte[] body, Map<String, Object> headers) {
        String queue = null;
        String reason = "unknown";
        if (headers.get("x-death") instanceof List<?> deaths) {
            // the endpoint's queue it left; else (a bridge's partition) the last queue it overflowed or aged out of
            for (Object death : deaths) {
                if (death instanceof Map<?, ?> d && d.get("queue") != null && endpointOf.apply(d.get("queue").toString()) != null) {
                    queue = d.get("queue").toString();
                    reason = String.valueOf(d.get("reason"));
                    break;
                }
            }
            for (Object death : deaths) {
                if (queue == null && death instanceof Map<?, ?> d && d.get("queue") != null
                        && List.of("maxlen", "expired").contains(String.valueOf(d.get("reason")))) {
                    queue = d.get("queue").toString();
                    reason = String.valueOf(d.get("reason"));
                }
            }
        }
        String url = queue == null ? null : endpointOf.apply(queue) != null ? endpointOf.apply(queue) : queue;
        String why = switch (reason) {
            case "maxlen" -> "the endpoint's queue was full (chat21.webhooks.queue-max-length)";
            case "expired" -> "it waited in the endpoint's queue longer than chat21.webhooks.queue-max-age-ms";
            default -> "it left the endpoint's queue (" + reason + ")";
        };
        store(body, queue, url, header(headers, Webhooks.EVENT_ID), header(headers, Webhooks.EVENT_TYPE),
                new IllegalStateException(why));
        return url == null ? "unknown" : url;
    }

    private static String header(Map<String, Object> headers, String name) {
        Object value = headers.get(name);
        return value == null ? null : value.toString();
    }

    /** The app's dead letters, oldest first, at most {@code limit}. */
    public List<Map<String, Object>> list(Caller caller, String appId, Integer limit) {
        requireAdmin(caller);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Document letter : letters.find(Filters.eq("app_id", appId)).sort(Sorts.ascending("failedAt"))
                .limit(bounded(limit))) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("id", letter.getObjectId("_id").toHexString());
            view.put("event_id", letter.get("event_id"));
            view.put("event_type", letter.get("event_type"));
            view.put("endpoint", letter.get("endpoint"));
            view.put("error", letter.get("error"));
            view.put("failedAt", letter.get("failedAt"));
            view.put("event", Json.readMap(letter.get("event", Binary.class).getData()));
            out.add(view);
        }
        return out;
    }

    /** Puts the app's dead letters (at most {@code limit}) back on their queues; how many went back. */
    public int replay(Caller caller, String appId, Integer limit) throws TimeoutException {
        requireAdmin(caller);
        // a letter whose queue is unknown has nowhere to go back to: listed, not replayed
        List<Document> batch = letters.find(Filters.and(Filters.eq("app_id", appId), Filters.ne("queue", null))).sort(Sorts.ascending("failedAt"))
                .limit(bounded(limit)).into(new ArrayList<>());
        if (batch.isEmpty()) {
            return 0;
        }
        broker.publishConfirmed(template, confirmTimeoutMs, "the replayed webhook events", ops -> {
            for (Document letter : batch) {
                MessageProperties props = new MessageProperties();
                props.setContentType(MessageProperties.CONTENT_TYPE_JSON);
                props.setContentEncoding("UTF-8");
                props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
                props.setMessageId(letter.getString("event_id"));
                props.setHeader(Webhooks.EVENT_ID, letter.getString("event_id"));
                props.setHeader(Webhooks.EVENT_TYPE, letter.getString("event_type"));
                // the default exchange routes by queue name: straight back to that endpoint's queue
                ops.send("", letter.getString("queue"), new Message(letter.get("event", Binary.class).getData(), props));
            }
        });
        List<Object> ids = new ArrayList<>();
        for (Document letter : batch) {
            ids.add(letter.get("_id"));
        }
        letters.deleteMany(Filters.in("_id", ids));
        return batch.size();
    }

    private static int bounded(Integer limit) {
        return limit == null ? 100 : Math.max(1, Math.min(limit, 1000));
    }

    private static void requireAdmin(Caller caller) {
        if (caller == null || !caller.admin()) {
            throw ApiException.forbidden("only admins may see or replay webhook dead letters");
        }
    }
}
