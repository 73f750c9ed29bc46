package org.chat21.camel;

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
 * broadcast on a fanout exchange, with a publisher confirm, before the change is answered; every
 * instance has its own auto-delete queue bound to it (declared again whenever the broker connection is
 * made) and drops the changed group from its {@link GroupDirectory}. Each new connection also clears the
 * whole cache, since broadcasts sent while this instance was disconnected were missed.
 */
public class GroupChanges implements ConnectionListener {
    private static final Logger LOG = LoggerFactory.getLogger(GroupChanges.class);

    private final GroupDirectory directory;
    private final RabbitTemplate template;
    private final String exchange;
    private final String queue;
    private final long confirmTimeoutMs;

    public GroupChanges(GroupDirectory directory, RabbitTemplate template, String exchange, String queue,
                        long confirmTimeoutMs) {
        this.directory = directory;
        this.template = template;
        this.exchange = exchange;
        this.queue = queue;
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
        try (var channel = connection.createChannel(false)) {
            channel.exchangeDeclare(exchange, "fanout", true);
            channel.queueDeclare(queue, false, false, true, null);
            channel.queueBind(queue, exchange, "");
        } catch (Exception e) {
            LOG.warn("could not declare the group change queue {}: {}", queue, e.toString());
        }
        directory.clear();
    }

    @Override
    public void onClose(Connection connection) {
        directory.clear();
    }

    @Override
    public void onShutDown(com.rabbitmq.client.ShutdownSignalException signal) {
        directory.clear();
    }
}
