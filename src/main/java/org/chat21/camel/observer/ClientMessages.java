package org.chat21.camel.observer;

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

    public ClientMessages(MessageFactory factory, ClientPublications publications) {
        this.factory = factory;
        this.publications = publications;
    }

    /** The message of a publication; a redelivered one keeps the id its first delivery got. */
    public Map<String, Object> read(ClientTopic topic, byte[] body, Boolean redelivered) {
        // validated first: a refused publication leaves no record behind
        Map<String, Object> message = factory.fromClient(topic.appId(), topic.userId(), topic.conversWith(), body, "");
        message.put("message_id", publications.messageId(
                topic.appId() + "." + topic.userId() + "." + topic.conversWith(), body, Boolean.TRUE.equals(redelivered)));
        return message;
    }

    /** Its publication is handled (accepted, or refused for good). */
    public void done(Map<String, Object> message) {
        publications.done((String) message.get("message_id"));
    }
}
