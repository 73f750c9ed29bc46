package org.chat21.camel.webhooks;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.Json;
import org.chat21.camel.common.WarmupApp;
import org.chat21.camel.delivery.DeliveryPlanner;
import org.chat21.camel.delivery.TimelinePublisher.Publication;
import org.chat21.camel.group.GroupChange;
import org.chat21.camel.observer.ClientTopic;
import org.chat21.camel.outbound.OutboundConsumer;
import org.chat21.camel.send.MessageFactory;
import org.chat21.camel.webhooks.WebhookEvents.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Tells what happened to the events exchange (a durable topic exchange, {@code chat21.webhooks}), where each
 * webhook endpoint has a durable queue of its own (WebhookEndpoints), and the message events of the
 * conversations an outbound bridge watches to that bridge's partition queues ({@link Watch}). The
 * flows call it once their work is stored; only the event types someone subscribed to are published, and
 * nothing at all when no one did. Each publish is persistent and confirmed by the broker: from then on the
 * event survives a broker restart, and the endpoint's consumer delivers it at least once.
 * <p>
 * The message events of a delivery batch fail the batch when the broker does not confirm them (the batch
 * stays in the outbox, the relay delivers it again, the events get the same ids): at least once. The other
 * events are told after their change is stored and published to clients; if the broker fails in that
 * instant the event is lost and a WARN says so, rather than answering an error for a change that stands.
 * Bound as {@code webhooks}.
 */
public class Webhooks {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    public static final String EVENT_ID = "X-Chat21-Event-Id";
    public static final String EVENT_TYPE = "X-Chat21-Event-Type";

    private final RabbitTemplate template;
    private final String exchange;
    private final Set<String> types;
    private final long confirmTimeoutMs;
    /** publishes with confirms, failing fast when the broker stops answering (an archive must answer in time) */
    private final BrokerCheck broker;
    private final MongoCollection<Document> conversations;
    private final Clock clock;
    /** app -> the outbound bridges that watch its conversations */
    private final Map<String, List<Watch>> watches = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Set<String> MESSAGE_EVENTS = Set.of(WebhookEvents.MESSAGE_SENT, WebhookEvents.MESSAGE_DELIVERED);

    /**
     * What an outbound bridge watches: the messages of one group ({@code kind = group}), of every group of the
     * app ({@code conversation = *}), or a user's direct conversations ({@code kind = user}), delivered to its
     * partition queues {@code <queue>.<n>}, a conversation always to the same one (so its order holds).
     */
    public record Watch(String appId, boolean group, String conversation, String queue, int partitions) {
        public static final String ALL = "*";

        /** Whether this copy is one the bridge forwards: a group's own timeline copy, or the user's direct one. */
        boolean matches(Map<String, Object> copy) {
            if (!appId.equals(copy.get("app_id"))) {
                return false;
            }
            Object timeline = copy.get("timelineOf");
            if (group) {
                return MessageFactory.GROUP.equals(copy.get("channel_type")) && timeline != null
                        && timeline.equals(copy.get("recipient")) && (ALL.equals(conversation) || conversation.equals(timeline));
            }
            return MessageFactory.DIRECT.equals(copy.get("channel_type")) && conversation.equals(timeline);
        }

        /** The conversation of a copy: the group, or the other side of the user's direct conversation. */
        String key(Map<String, Object> copy) {
            return String.valueOf(group ? copy.get("timelineOf") : copy.get("conversWith"));
        }

        String partition(String key) {
            return queue + "." + Math.floorMod(key.hashCode(), partitions);
        }
    }

    /**
     * @param types the event types to publish to the events exchange: empty = none (a bridge's watch still gets its own)
     */
    public Webhooks(ConnectionFactory connections, String exchange, Set<String> types, long confirmTimeoutMs,
                    BrokerCheck broker, MongoDatabase db, Clock clock) {
        this.template = new RabbitTemplate(connections);
        this.broker = broker;
        this.exchange = exchange;
        this.types = Set.copyOf(types);
        this.confirmTimeoutMs = confirmTimeoutMs;
        this.conversations = db.getCollection("conversations");
        this.clock = clock;
    }

    public boolean enabled() {
        return !types.isEmpty();
    }

    /**
     * Also publishes message-sent and message-delivered of the conversations an outbound bridge (bridges.Bridge)
     * watches, to its partition queues, while its route runs, whatever the webhooks subscribe to: a bridge costs
     * events for what it forwards only, not for every message.
     */
    public void watch(Watch watch) {
        watches.computeIfAbsent(watch.appId(), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(watch);
    }

    /** Undoes one {@link #watch}. */
    public void unwatch(Watch watch) {
        List<Watch> of = watches.get(watch.appId());
        if (of != null) {
            of.remove(watch);
        }
    }

    public Set<String> types() {
        return types;
    }

    /**
     * message-sent and message-delivered for a delivery batch's copies: those subscribed to, to the events
     * exchange; those of watched conversations, to their bridges' partition queues. A broker failure fails the
     * batch.
     */
    public void delivered(List<Map<String, Object>> copies) throws TimeoutException {
        boolean anySubscribed = types.contains(WebhookEvents.MESSAGE_SENT) || types.contains(WebhookEvents.MESSAGE_DELIVERED);
        if (!anySubscribed && watches.isEmpty()) {
            return;
        }
        copies = WarmupApp.visible(copies);
        long now = clock.millis();
        List<Routed> routed = new ArrayList<>();
        if (anySubscribed) {
            for (Event event : WebhookEvents.ofCopies(copies, types, now)) {
                routed.add(new Routed(event, exchange, event.routingKey(), null));
            }
        }
        if (!watches.isEmpty()) {
            for (Map<String, Object> copy : copies) {
                List<Watch> of = watches.get(String.valueOf(copy.get("app_id")));
                if (of == null) {
                    continue;
                }
                for (Watch watch : of) {
                    if (watch.matches(copy)) {
                        String key = watch.key(copy);
                        String queue = watch.partition(key);
                        for (Event event : WebhookEvents.ofCopies(List.of(copy), MESSAGE_EVENTS, now)) {
                            routed.add(new Routed(event, "", queue, key));
                        }
                    }
                }
            }
        }
        publishRouted(routed);
    }

    /** An event, where it goes, and (for a bridge's partition) its conversation. */
    private record Routed(Event event, String exchange, String routingKey, String key) {
    }

    /**
     * conversation-unarchived for each conversation of the batch that is archived now and that these copies
     * are about to bring back: called before the copies are written (afterwards the archive flag is gone), so
     * that a batch that fails after the write and is delivered again has not lost the event. A batch that
     * then fails for good (parked) has told an unarchive that did not happen; the message is parked, which an
     * operator sees. One store read per batch, only while someone subscribes to this event.
     */
    public void unarchiving(List<Map<String, Object>> copies) throws TimeoutException {
        if (!types.contains(WebhookEvents.CONVERSATION_UNARCHIVED) || copies.isEmpty()) {
            return;
        }
        Map<List<Object>, Map<String, Object>> byConversation = new LinkedHashMap<>();
        List<Document> keys = new ArrayList<>();
        for (Map<String, Object> copy : copies) {
            if (!DeliveryPlanner.updatesConversation(copy)) {
                continue;
            }
            List<Object> key = List.of(copy.get("timelineOf"), copy.get("conversWith"), copy.get("app_id"));
            if (byConversation.putIfAbsent(key, copy) == null) {
                keys.add(new Document("timelineOf", key.get(0)).append("conversWith", key.get(1)).append("app_id", key.get(2)));
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        List<Event> events = new ArrayList<>();
        long now = clock.millis();
        for (Document archived : conversations.find(new Document("archived", true).append("$or", keys))
                .projection(new Document("timelineOf", 1).append("conversWith", 1).append("app_id", 1))) {
            Map<String, Object> copy = byConversation.get(
                    List.of(archived.get("timelineOf"), archived.get("conversWith"), archived.get("app_id")));
            if (copy != null) {
                events.add(WebhookEvents.unarchived(copy, now));
            }
        }
        publish(events);
    }

    /** message-received and message-return-receipt for a stored read receipt. */
    public void receipt(ClientTopic topic, List<Publication> told) {
        tell(() -> WebhookEvents.ofReceipt(topic, told, types, clock.millis()), "receipt");
    }

    /** conversation-archived for the archives among a conversation change's publications. */
    public void conversationChanged(List<Publication> told) {
        tell(() -> WebhookEvents.ofConversationChange(told, types, clock.millis()), "conversation");
    }

    /** presence-change for a recorded presence. */
    public void presence(Map<String, Object> record) {
        if (types.contains(WebhookEvents.PRESENCE_CHANGE)) {
            tell(() -> List.of(WebhookEvents.presence(record, clock.millis())), "presence");
        }
    }

    /** group-created or group-updated for a group change that is done. */
    public void groupChanged(GroupChange change, String type) {
        if (types.contains(type)) {
            tell(() -> List.of(WebhookEvents.group(type, change.group(), clock.millis())), "group");
        }
    }

    private interface EventSource {
        List<Event> events();
    }

    private void tell(EventSource source, String what) {
        if (types.isEmpty()) {
            return;
        }
        List<Event> events = source.events();
        try {
            publish(events);
        } catch (Exception e) {
            LOG.warn("{} webhook event(s) ({}) not published, the change stands: {}", events.size(), what, e.toString());
        }
    }

    /** Publishes on one channel, persistent, and waits for the broker's confirm once. */
    void publish(List<Event> events) throws TimeoutException {
        List<Routed> routed = new ArrayList<>();
        for (Event event : events) {
            routed.add(new Routed(event, exchange, event.routingKey(), null));
        }
        publishRouted(routed);
    }

    private void publishRouted(List<Routed> routed) throws TimeoutException {
        if (routed.isEmpty()) {
            return;
        }
        broker.publishConfirmed(template, confirmTimeoutMs, routed.size() + " webhook events", ops -> {
            for (Routed r : routed) {
                Event event = r.event();
                MessageProperties props = new MessageProperties();
                props.setContentType(MessageProperties.CONTENT_TYPE_JSON);
                props.setContentEncoding("UTF-8");
                props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
                props.setMessageId(event.id());
                props.setHeader(EVENT_ID, event.id());
                props.setHeader(EVENT_TYPE, event.type());
                props.setHeader(OutboundConsumer.PUBLISHED_AT, System.currentTimeMillis());
                if (r.key() != null) {
                    // a bridge's partition: its conversation (order), and its way back from the retry stages
                    props.setHeader(OutboundConsumer.KEY, r.key());
                    props.setHeader(OutboundConsumer.PARTITION, r.routingKey());
                }
                ops.send(r.exchange(), r.routingKey(), new Message(Json.writeBytes(event.json()), props));
            }
        });
    }
}
