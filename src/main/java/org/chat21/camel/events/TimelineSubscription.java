package org.chat21.camel.events;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.RabbitUtils;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stream's view of the timeline exchange: a server-named, exclusive, auto-delete queue bound with
 * {@code apps.<app>.users.<user>.#} (what an MQTT client subscribed to {@code apps/<app>/users/<user>/#}
 * gets), on a channel of its own of the service's broker connection (embedded or external alike). Each
 * delivery is acknowledged once the stream has taken it into its bounded buffer, with a small prefetch;
 * the queue itself is capped (drop-head) as a guard, so that nothing one stream does can make the broker
 * hold more than that for it. The queue goes when {@link #close()} cancels its consumer (auto-delete), or
 * with the connection.
 */
final class TimelineSubscription implements AutoCloseable {
    /** What the stream does with what the broker hands over (on the broker client's thread). */
    interface Listener {
        void delivered(String routingKey, byte[] body);

        /** The channel or the connection is gone (broker down, queue deleted): the stream must end. */
        void gone();
    }

    private final Channel channel;
    private final String queue;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String consumerTag;

    private TimelineSubscription(Channel channel, String queue) {
        this.channel = channel;
        this.queue = queue;
    }

    static TimelineSubscription open(ConnectionFactory connections, String exchange, String bindingKey, int prefetch,
                                     int maxQueued, Listener listener) throws IOException {
        org.springframework.amqp.rabbit.connection.Connection connection = connections.createConnection();
        Map<String, Object> cap = lengthCap(connection.getDelegate().getServerProperties(), maxQueued);
        Channel channel = connection.createChannel(false);
        try {
            channel.basicQos(prefetch);
            String queue = channel.queueDeclare("", false, true, true, cap).getQueue();
            channel.queueBind(queue, exchange, bindingKey);
            TimelineSubscription subscription = new TimelineSubscription(channel, queue);
            subscription.consumerTag = channel.basicConsume(queue, false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                        throws IOException {
                    listener.delivered(envelope.getRoutingKey(), body);
                    if (!subscription.closed.get()) {
                        try {
                            channel.basicAck(envelope.getDeliveryTag(), false);
                        } catch (IOException | RuntimeException e) {
                            // closed meanwhile: the queue goes with it, nothing is left to acknowledge
                        }
                    }
                }

                @Override
                public void handleCancel(String tag) {
                    listener.gone();
                }

                @Override
                public void handleShutdownSignal(String tag, ShutdownSignalException signal) {
                    if (!subscription.closed.get()) {
                        listener.gone();
                    }
                }
            });
            return subscription;
        } catch (IOException | RuntimeException e) {
            closeChannel(channel);
            throw e;
        }
    }

    /**
     * The queue arguments that cap it at {@code max} messages, dropping the oldest, in the broker's words: an
     * unknown argument closes the whole connection on Qpid Broker-J (the embedded broker), which has its own.
     */
    static Map<String, Object> lengthCap(Map<String, Object> serverProperties, int max) {
        Object product = serverProperties == null ? null : serverProperties.get("product");
        if (product != null && product.toString().toLowerCase(java.util.Locale.ROOT).contains("qpid")) {
            return Map.of("qpid.max_count", max, "qpid.policy_type", "ring");
        }
        return Map.of("x-max-length", max, "x-overflow", "drop-head");
    }

    String queue() {
        return queue;
    }

    /** Cancels the consumer, deletes the queue and closes the channel (not back to the factory's cache). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (channel.isOpen()) {
                // auto-delete: the queue goes with its consumer (deleting it after would be an error on Qpid)
                if (consumerTag != null) {
                    channel.basicCancel(consumerTag);
                } else {
                    channel.queueDelete(queue);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the broker or the connection is gone: the exclusive queue goes with the connection
        } finally {
            closeChannel(channel);
        }
    }

    private static void closeChannel(Channel channel) {
        // a channel that consumed must not go back to the cache for the publishers (its prefetch, its state)
        RabbitUtils.setPhysicalCloseRequired(channel, true);
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (Exception e) {
            // already closed with its connection
        } finally {
            RabbitUtils.setPhysicalCloseRequired(channel, false);
        }
    }
}
