package org.chat21.camel;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Publishes timeline copies to {@code amq.topic}, where MQTT clients subscribed to
 * {@code apps/<app>/users/<me>/#} receive them. A whole batch (every copy of one message, up to a
 * group's size) goes out on one channel and is confirmed by the broker once, so a group of 500 costs one
 * confirm round trip, not 500.
 */
public class TimelinePublisher {
    private final RabbitTemplate template;
    private final String exchange;
    private final long confirmTimeoutMs;

    public TimelinePublisher(RabbitTemplate template, String exchange, long confirmTimeoutMs) {
        this.template = template;
        this.exchange = exchange;
        this.confirmTimeoutMs = confirmTimeoutMs;
    }

    public void publish(List<Map<String, Object>> copies) throws TimeoutException {
        if (copies.isEmpty()) {
            return;
        }
        Boolean confirmed = template.invoke(ops -> {
            for (Map<String, Object> copy : copies) {
                MessageProperties props = new MessageProperties();
                props.setContentType(MessageProperties.CONTENT_TYPE_JSON);
                props.setContentEncoding("UTF-8");
                props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
                ops.send(exchange, DeliveryPlanner.routingKey(copy), new Message(Json.writeBytes(copy), props));
            }
            return ops.waitForConfirms(confirmTimeoutMs);
        });
        if (!Boolean.TRUE.equals(confirmed)) {
            throw new TimeoutException("broker did not confirm " + copies.size() + " timeline publishes");
        }
    }
}
