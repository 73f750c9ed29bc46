package org.chat21.camel.observer;

/** Bound as {@code clientTopics}: {@link ClientTopic#parse} for the routes, by kind name. */
public class ClientTopics {
    public ClientTopic parse(String routingKey, String kind) {
        return ClientTopic.parse(routingKey, ClientTopic.Kind.valueOf(kind));
    }
}
