package org.chat21.camel.observer;

import com.rabbitmq.client.Channel;
import org.chat21.camel.send.MessageFactory;

import java.util.Map;

/**
 * Messages native clients publish (spec 8), bound as {@code clientMessages}: each becomes a message like
 * one of {@code POST /messages}, sender and recipient from the routing key, and goes through the same
 * outbox and delivery (routes/observer.yaml).
 */
public class ClientMessages {
    private final MessageFactory factory;
    private final ClientPublications publications;
    /**
     * The id each delivery under way got, by channel and delivery tag: the consumer tries a delivery that failed
     * again in this process (same delivery, not flagged redelivered), and a first try that got as far as the outbox
     * must not make its retry a second message. Bounded: entries of deliveries that ended without done (given back
     * to the broker) go with the eldest.
     */
    private final Map<String, String> attempts = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > 10_000;
                }
            });

    public ClientMessages(MessageFactory factory, ClientPublications publications) {
        this.factory = factory;
        this.publications = publications;
    }

    /**
     * The message of a publication; a redelivered one keeps the id its first delivery got, and so does another try
     * of the same delivery.
     *
     * @param channel   the channel it was delivered on, and {@code tag} its delivery tag (null outside a consumer)
     * @param copySince set on a publication moved by the migrate-queues command that may be a copy of one handled
     *                  since then (header {@code x-chat21-copy-since}, epoch ms); else null. A client can set it
     *                  only where the broker maps MQTT 5 user properties to headers, and then only to have its own
     *                  publication taken for its own identical one: anything but a number counts as absent
     * @param movedAt   when the command moved it (header {@code x-chat21-moved-at}, epoch ms)
     */
    public Map<String, Object> read(ClientTopic topic, byte[] body, Boolean redelivered, Channel channel, Long tag,
                                    Object copySince, Object movedAt) {
        // validated first: a refused publication leaves no record behind
        Map<String, Object> message = factory.fromClient(topic.appId(), topic.userId(), topic.conversWith(), body, "");
        String delivery = delivery(channel, tag);
        String id = delivery == null ? null : attempts.get(delivery);
        if (id == null) {
            id = publications.messageId(topic.appId() + "." + topic.userId() + "." + topic.conversWith(), body,
                    Boolean.TRUE.equals(redelivered), epochMs(copySince), epochMs(movedAt));
            if (delivery != null && id != null) {
                attempts.put(delivery, id);
            }
        }
        message.put("message_id", id);
        return message;
    }

    private static Long epochMs(Object header) {
        if (header instanceof Number n) {
            return n.longValue();
        }
        try {
            return header == null ? null : Long.valueOf(header.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String delivery(Channel channel, Long tag) {
        return channel == null || tag == null ? null : System.identityHashCode(channel) + ":" + channel.getChannelNumber()
                + ":" + tag;
    }

    /**
     * Whether the publication is still this consumer's: a delivery whose channel closed meanwhile (its node lost,
     * its queue's leader moved) has gone back to the queue and may be under way at another consumer as a
     * redelivery. Asked after {@link #read} has recorded its id, so that such a redelivery either finds that id or
     * is the only one to go on; no id means a redelivery has overtaken it (ClientPublications).
     */
    public boolean stillDelivered(Map<String, Object> message, Channel channel) {
        return message.get("message_id") != null && (channel == null || channel.isOpen());
    }

    /** Its publication is handled (accepted, or refused for good). */
    public void done(Map<String, Object> message, Channel channel, Long tag) {
        publications.done((String) message.get("message_id"));
        String delivery = delivery(channel, tag);
        if (delivery != null) {
            attempts.remove(delivery);
        }
    }
}
