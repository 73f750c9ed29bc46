package org.chat21.camel;

import com.rabbitmq.client.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionListener;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.util.LinkedHashMap;
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
 * connection, so no instance leaves one behind.
 */
public class GroupChanges implements ConnectionListener {
    private static final Logger LOG = LoggerFactory.getLogger(GroupChanges.class);

    private final GroupDirectory directory;
    private final RabbitTemplate template;
    private final String exchange;
    private final long confirmTimeoutMs;

    public GroupChanges(GroupDirectory directory, RabbitTemplate template, String exchange, long confirmTimeoutMs) {
        this.directory = directory;
        this.template = template;
        this.exchange = exchange;
        this.confirmTimeoutMs = confirmTimeoutMs;
    }

    /** Drops the group here and tells every other instance, waiting for the broker to take the news. */
    public void announce(String appId, String groupId) throws TimeoutException {
        directory.invalidate(appId, groupId);
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("app_id", appId);
        change.put("group_id", groupId);
        MessageProperties props = new MessageProperties();
        props.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        Boolean confirmed = template.invoke(ops -> {
            ops.send(exchange, "", new Message(Json.writeBytes(change), props));
            return ops.waitForConfirms(confirmTimeoutMs);
        });
        if (!Boolean.TRUE.equals(confirmed)) {
            throw new TimeoutException("broker did not confirm the change of group " + groupId);
        }
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
