package org.chat21.camel.group;

import com.rabbitmq.client.Channel;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.TimelinePublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionListener;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Keeps the group caches of several service instances in step. A membership (or any group) change is
 * broadcast on a fanout exchange, with a publisher confirm, before the change is answered. Every
 * instance listens on its own exclusive, server-named queue bound to that exchange, and drops the changed
 * group from its {@link GroupDirectory}. The queue and its consumer are set up whenever the broker
 * connection is made, before anything else uses the connection, and only then is the cache turned on
 * (and emptied, since notices sent while this instance was away were missed); while there is no
 * connection or no listener the directory reads the store every time. The queue goes with the
 * connection, so no instance leaves one behind. Bound as {@code groupChanges}; the {@code group-changed}
 * route announces every change through it.
 */
public class GroupChangeListener implements ConnectionListener {
    private static final Logger LOG = LoggerFactory.getLogger(GroupChangeListener.class);

    private final GroupDirectory directory;
    private final TimelinePublisher notices;
    private final String exchange;
    private ConnectionFactory connections;

    /**
     * Bound by {@link GroupConfig}, which then calls {@link #listen} to register it with the broker connection
     * factory.
     */
    public GroupChangeListener(GroupDirectory directory, ConnectionFactory connections, String exchange,
                               long confirmTimeoutMs, BrokerCheck broker) {
        this(directory, new TimelinePublisher(connections, exchange, confirmTimeoutMs, broker));
        this.connections = connections;
    }

    /** @param notices publishes to the fanout exchange of group change notices */
    public GroupChangeListener(GroupDirectory directory, TimelinePublisher notices) {
        this.directory = directory;
        this.notices = notices;
        this.exchange = notices.exchange();
    }

    /** Sets up the listener with every broker connection, from the next one on. */
    public void listen() {
        if (connections != null) {
            connections.addConnectionListener(this);
        }
    }

    /** Drops the group here and tells every other instance, waiting for the broker to take the news. */
    public void announce(String appId, String groupId) throws TimeoutException {
        directory.invalidate(appId, groupId);
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("app_id", appId);
        change.put("group_id", groupId);
        notices.publishAll(List.of(new TimelinePublisher.Publication("", change)));
    }

    /** A change announced by any instance (this one included). */
    public void received(byte[] body) {
        try {
            Map<String, Object> change = Json.readMap(body);
            if (change.get("app_id") instanceof String app && change.get("group_id") instanceof String group) {
                directory.invalidate(app, group);
                return;
            }
        } catch (RuntimeException e) {
            // fall through
        }
        LOG.warn("unreadable group change notice; clearing the whole group cache");
        directory.clear();
    }

    @Override
    public void onCreate(Connection connection) {
        directory.setCoherent(false);
        try {
            Channel channel = connection.createChannel(false);
            channel.exchangeDeclare(exchange, "fanout", true);
            String queue = channel.queueDeclare().getQueue(); // server-named, exclusive, auto-delete
            channel.queueBind(queue, exchange, "");
            // bound before the cache starts over: every notice from now on reaches this queue
            directory.clear();
            channel.basicConsume(queue, true, (tag, delivery) -> received(delivery.getBody()), tag -> {
                LOG.warn("group change listener cancelled; group lookups go to the store until the next connection");
                directory.setCoherent(false);
            });
            directory.setCoherent(true);
            LOG.debug("listening for group changes on {}", queue);
        } catch (Exception e) {
            LOG.warn("could not listen for group changes on {} ({}); group lookups go to the store", exchange, e.toString());
        }
    }

    @Override
    public void onClose(Connection connection) {
        directory.setCoherent(false);
    }

    @Override
    public void onShutDown(com.rabbitmq.client.ShutdownSignalException signal) {
        directory.setCoherent(false);
    }
}
