package org.chat21.camel.infra;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * Whether the broker can be reached now (a connection is open or can be made), bound as
 * {@code brokerCheck}: changes that must be announced call it first, so that they get 503 up front
 * rather than being stored and never told.
 */
public class BrokerCheck {
    private final ConnectionFactory connections;

    public BrokerCheck(ConnectionFactory connections) {
        this.connections = connections;
    }

    /** Throws the broker's connection failure (mapped to 503 by the route configuration). */
    public void requireReachable() {
        connections.createConnection().close();
    }
}
