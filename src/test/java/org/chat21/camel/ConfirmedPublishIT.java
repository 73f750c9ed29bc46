package org.chat21.camel;

import com.rabbitmq.client.Channel;
import org.chat21.camel.broker.BrokerCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ChannelProxy;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.util.UUID;
import java.util.concurrent.TimeoutException;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * BrokerCheck.publishConfirmed, the one way the service publishes what it must not lose, on the machine's
 * RabbitMQ: a publish whose channel closes before its confirm (its node lost; here the broker closing it) is
 * a failure the caller retries, never "confirmed". Spring's cached channel opens a new channel under the same
 * proxy after such a close, and a wait for confirms on the new one has nothing outstanding (ClusterIT at 200
 * msg/s lost copies that way).
 */
@RequiresRabbitMQ
class ConfirmedPublishIT {
    static CachingConnectionFactory connections;
    static final String QUEUE = "it." + UUID.randomUUID().toString().substring(0, 8) + ".confirms";

    @BeforeAll
    static void connect() {
        connections = new CachingConnectionFactory("127.0.0.1", 5672);
        connections.setUsername("guest");
        connections.setPassword("guest");
        connections.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
        new RabbitTemplate(connections).execute(ch -> ch.queueDeclare(QUEUE, false, false, false, null));
    }

    @AfterAll
    static void close() {
        new RabbitTemplate(connections).execute(ch -> ch.queueDelete(QUEUE));
        connections.destroy();
    }

    @Test
    void aChannelClosedBeforeItsConfirmIsAFailureAndTheNextPublishWorks() throws Exception {
        BrokerCheck broker = new BrokerCheck(connections, 2000, 1500, 1000);
        RabbitTemplate template = new RabbitTemplate(connections);
        broker.publishConfirmed(template, 2000, "the first", ops -> ops.send("", QUEUE, message("1")));

        // published, then the broker closes the channel (a publish to an exchange that is not there: 404) before
        // any confirm of it; the closed channel is still the one under the proxy when the wait begins
        String missing = QUEUE + ".missing";
        assertThrows(TimeoutException.class, () -> broker.publishConfirmed(template, 2000, "the lost", ops -> {
            ops.send("", QUEUE, message("2"));
            ops.send(missing, "x", message("3"));
            ops.execute(proxy -> {
                Channel target = ((ChannelProxy) proxy).getTargetChannel();
                waitUntil(() -> !target.isOpen(), 5_000, "the channel closed by the broker");
                return null;
            });
        }));

        // the next publish opens a channel and is confirmed
        broker.publishConfirmed(template, 2000, "the third", ops -> ops.send("", QUEUE, message("4")));
        assertEquals(3, (int) new RabbitTemplate(connections).execute(ch -> ch.queueDeclarePassive(QUEUE).getMessageCount()),
                "1, 2 (which the caller would send again) and 4 in the queue");
    }

    static Message message(String text) {
        return new Message(text.getBytes());
    }
}
