package org.chat21.camel.delivery;

import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.Json;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Publishes JSON to one exchange with publisher confirms: timeline copies and updates to {@code amq.topic},
 * where MQTT clients subscribed to {@code apps/<app>/users/<me>/#} receive them, and group change notices
 * to the instances' fanout exchange. A whole batch (every copy of a delivery batch's messages) goes
 * out on one channel and is confirmed by the broker once, so a group of 500 costs one confirm round trip,
 * not 500.
 */
public class TimelinePublisher {
    private final RabbitTemplate template;
    private final String exchange;
    private final long confirmTimeoutMs;
    private final BrokerCheck broker;

    /**
     * Bound by delivery.DeliveryConfig on the service's broker connection factory; {@code broker} publishes with
     * confirms (and fails fast when the broker stops answering).
     */
    public TimelinePublisher(ConnectionFactory connections, String exchange, long confirmTimeoutMs, BrokerCheck broker) {
        this.template = new RabbitTemplate(connections);
        this.exchange = exchange;
        this.confirmTimeoutMs = confirmTimeoutMs;
        this.broker = broker;
    }

    public String exchange() {
        return exchange;
    }

    /** One publish: a routing key on the timeline exchange and its JSON body. */
    public record Publication(String routingKey, Object body) {
    }

    /** Each copy to its {@code clientadded} routing key. */
    public void publish(List<Map<String, Object>> copies) throws TimeoutException {
        List<Publication> publications = new ArrayList<>(copies.size());
        for (Map<String, Object> copy : copies) {
            publications.add(new Publication(DeliveryPlanner.routingKey(copy), copy));
        }
        publishAll(publications);
    }

    /** Publishes them all on one channel and waits for the broker's confirm once. */
    public void publishAll(List<Publication> publications) throws TimeoutException {
        if (publications.isEmpty()) {
            return;
        }
        broker.publishConfirmed(template, confirmTimeoutMs, publications.size() + " timeline publishes", ops -> {
            for (Publication publication : publications) {
                MessageProperties props = new MessageProperties();
                props.setContentType(MessageProperties.CONTENT_TYPE_JSON);
                props.setContentEncoding("UTF-8");
                props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
                ops.send(exchange, publication.routingKey(), new Message(Json.writeBytes(publication.body()), props));
            }
        });
    }
}
