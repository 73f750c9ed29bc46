package org.chat21.camel.observer;

import org.chat21.camel.common.Ids;

/**
 * What a native client published to, read from the routing key of its publication on {@code amq.topic}
 * (MQTT topic {@code a/b/c} is routing key {@code a.b.c}), spec 8. Every id in it is checked like an HTTP
 * path id, because each ends up in routing keys and store queries.
 *
 * @param kind        which of the observer's publications this is
 * @param appId       the tenant
 * @param userId      who published: the sender of a message, the reader of a receipt, the owner of a
 *                    conversation or of a presence
 * @param conversWith the other side (recipient of a message, conversation partner or group); null for presence
 * @param messageId   the message a receipt is about; else null
 * @param clientId    the MQTT client of a presence; else null
 */
public record ClientTopic(Kind kind, String appId, String userId, String conversWith, String messageId,
                          String clientId) {

    public enum Kind {
        /** {@code apps.<app>.outgoing.users.<sender>.messages.<recipient>.outgoing} */
        MESSAGE,
        /** {@code apps.<app>.users.<user>.messages.<convers_with>.<message_id>.update} */
        RECEIPT,
        /** {@code apps.<app>.users.<user>.conversations.<convers_with>.update} */
        CONVERSATION,
        /** {@code apps.<app>.users.<user>.conversations.<convers_with>.archive} */
        ARCHIVE,
        /** {@code apps.<app>.users.<user>.presence.<client_id>} */
        PRESENCE
    }

    /** The topic of a routing key, which must be of the given kind (a queue only gets its own kind). */
    public static ClientTopic parse(String routingKey, Kind expected) {
        if (routingKey == null) {
            throw new MalformedPublicationException("publication without a routing key");
        }
        String[] p = routingKey.split("\\.", -1);
        ClientTopic topic = null;
        if (p.length >= 6 && "apps".equals(p[0])) {
            if (p.length == 8 && "outgoing".equals(p[2]) && "users".equals(p[3]) && "messages".equals(p[5])
                    && "outgoing".equals(p[7])) {
                topic = new ClientTopic(Kind.MESSAGE, p[1], p[4], p[6], null, null);
            } else if ("users".equals(p[2])) {
                if (p.length == 8 && "messages".equals(p[4]) && "update".equals(p[7])) {
                    topic = new ClientTopic(Kind.RECEIPT, p[1], p[3], p[5], p[6], null);
                } else if (p.length == 7 && "conversations".equals(p[4]) && "update".equals(p[6])) {
                    topic = new ClientTopic(Kind.CONVERSATION, p[1], p[3], p[5], null, null);
                } else if (p.length == 7 && "conversations".equals(p[4]) && "archive".equals(p[6])) {
                    topic = new ClientTopic(Kind.ARCHIVE, p[1], p[3], p[5], null, null);
                } else if (p.length == 6 && "presence".equals(p[4])) {
                    topic = new ClientTopic(Kind.PRESENCE, p[1], p[3], null, null, p[5]);
                }
            }
        }
        if (topic == null || topic.kind != expected) {
            throw new MalformedPublicationException("not a " + expected + " topic: " + shorten(routingKey));
        }
        for (String id : new String[] {topic.appId, topic.userId, topic.conversWith, topic.messageId, topic.clientId}) {
            if (id != null && !Ids.isValid(id)) {
                throw new MalformedPublicationException("invalid id in topic " + shorten(routingKey));
            }
        }
        return topic;
    }

    /** Logs carry at most the start of what a client sent. */
    static String shorten(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
