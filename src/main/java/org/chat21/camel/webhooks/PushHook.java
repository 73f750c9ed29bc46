package org.chat21.camel.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Json;
import org.chat21.camel.outbound.OutboundConsumer;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * Tiledesk's push hook, {@code POST /{app_id}/push/webhook/endpoint/{token}}: a Chat21 webhook endpoint that
 * forwards {@code message-delivered} events to {@code PUSH_WH_NOTIFY_URL} (with
 * {@code Authorization: PUSH_WH_CHAT21_API_ADMIN_TOKEN}), as the original http server does. Unlike the
 * original (which answers 200 before looking, and whose token check never fails) the token is checked
 * first, in constant time, and no token configured means every call is refused. An accepted event goes to
 * the push endpoint's durable queue (confirmed) and from there to the notify URL with the same retries and
 * dead letters as any webhook. Bound as {@code pushHook}.
 */
public class PushHook {
    private final byte[] token;
    private final String queue;
    private final RabbitTemplate template;
    private final long confirmTimeoutMs;
    private final BrokerCheck broker;

    /**
     * @param token the expected path token ({@code PUSH_WH_WEBHOOK_TOKEN}); empty = refuse all
     * @param queue the push endpoint's queue, or null when no notify URL is configured
     */
    public PushHook(String token, String queue, ConnectionFactory connections, long confirmTimeoutMs, BrokerCheck broker) {
        this.token = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
        this.queue = queue;
        this.template = new RabbitTemplate(connections);
        this.confirmTimeoutMs = confirmTimeoutMs;
        this.broker = broker;
    }

    /** Checks and forwards one event; true if it was queued for the notify URL, false if not for push. */
    public boolean accept(String presented, byte[] body) throws TimeoutException {
        byte[] given = presented == null ? new byte[0] : presented.getBytes(StandardCharsets.UTF_8);
        // MessageDigest.isEqual takes the same time whatever bytes differ
        if (token.length == 0 || !MessageDigest.isEqual(token, given)) {
            throw new ApiException(401, "invalid push webhook token");
        }
        ObjectNode event = Json.parseObject(body);
        if (!WebhookEvents.MESSAGE_DELIVERED.equals(Json.optionalString(event, "event_type"))) {
            return false;
        }
        if (queue == null) {
            throw new ApiException(503, "push forwarding is not configured (PUSH_WH_NOTIFY_URL)");
        }
        String id = UUID.randomUUID().toString();
        broker.publishConfirmed(template, confirmTimeoutMs, "the push event", ops -> {
            MessageProperties props = new MessageProperties();
            props.setContentType(MessageProperties.CONTENT_TYPE_JSON);
            props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
            props.setMessageId(id);
            props.setHeader(Webhooks.EVENT_ID, id);
            props.setHeader(Webhooks.EVENT_TYPE, WebhookEvents.MESSAGE_DELIVERED);
            props.setHeader(OutboundConsumer.PUBLISHED_AT, System.currentTimeMillis());
            ops.send("", queue, new Message(body, props));
        });
        return true;
    }
}
