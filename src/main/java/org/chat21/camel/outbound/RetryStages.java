package org.chat21.camel.outbound;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.broker.DurableQueues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where failed deliveries wait until they are due: in the broker, not in a consumer. One durable queue per
 * distinct wait of the schedule ({@code <name>.5s}, {@code <name>.5m}...), all fed by the topic exchange
 * {@code <name>} with routing key {@code <wait>.<target queue>}.
 * <p>
 * On RabbitMQ each stage queue has that wait as its message TTL and the exchange {@code <name>.redeliver} as its
 * dead-letter exchange: a message expires at the head of its stage (every message of a stage waits as long, so
 * the head is always the first due) and RabbitMQ republishes it, with its routing key, to the redeliver
 * exchange, where each target queue is bound by {@code *.<queue>} ({@link #bindTarget}). Nothing of ours runs
 * while events wait, a restart loses none, and any number of instances share the stages.
 * <p>
 * The embedded stand-in broker (Qpid) has no dead-lettering: there the stages are plain queues and a relay
 * thread of this instance moves each head to the redeliver exchange when its {@code x-chat21-due} header has
 * passed (a head not yet due is put back and waited for).
 */
public final class RetryStages implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetryStages.class);
    /** when a waiting message is due (epoch ms), for the embedded relay */
    static final String DUE = "x-chat21-due";

    private final CachingConnectionFactory connections;
    private final String exchange;
    private final RetrySchedule schedule;
    private final boolean brokerExpiry;
    private final BrokerCheck broker;
    private final RabbitTemplate template;
    private final long confirmTimeoutMs;
    private final long maxLength;
    private final DurableQueues queues;
    private ScheduledExecutorService relay;

    /**
     * @param exchange     the stages' exchange, also their queues' name prefix
     * @param brokerExpiry true on RabbitMQ (message TTL and dead-lettering); false on the embedded broker
     * @param maxLength    each stage's bound (RabbitMQ): past it, the oldest waiting event is dead-lettered like an
     *                     expired one, back to its queue early (classic queues); a full quorum stage refuses the
     *                     event instead, which goes back to its queue at once (see {@link DurableQueues#deadLetteredAtLeastOnce})
     * @param queues       the stages' queue type
     */
    public RetryStages(CachingConnectionFactory connections, String exchange, RetrySchedule schedule, boolean brokerExpiry,
                       BrokerCheck broker, long confirmTimeoutMs, long maxLength, DurableQueues queues) {
        this.maxLength = maxLength;
        this.queues = queues;
        this.connections = connections;
        this.exchange = exchange;
        this.schedule = schedule;
        this.brokerExpiry = brokerExpiry;
        this.broker = broker;
        this.template = new RabbitTemplate(connections);
        this.confirmTimeoutMs = confirmTimeoutMs;
    }

    /** Stages of their own, on another exchange, with another schedule, on the same broker (a bridge's). */
    RetryStages other(String otherExchange, RetrySchedule otherSchedule) {
        RetryStages stages = new RetryStages(connections, otherExchange, otherSchedule, brokerExpiry, broker, confirmTimeoutMs,
                maxLength, queues);
        stages.start();
        return stages;
    }

    /** The first stage that waits at least {@code wait} (the longest if none does). */
    public Duration stageAtLeast(Duration wait) {
        Duration longest = Duration.ZERO;
        for (Duration stage : schedule.stages()) {
            if (stage.compareTo(wait) >= 0) {
                return stage;
            }
            longest = stage.compareTo(longest) > 0 ? stage : longest;
        }
        return longest;
    }

    /** The shortest stage: where events held behind a failed one of their conversation cycle. */
    public Duration shortest() {
        return schedule.stages().stream().min(Duration::compareTo).orElseThrow();
    }

    public RetrySchedule schedule() {
        return schedule;
    }

    String redeliverExchange() {
        return exchange + ".redeliver";
    }

    String stageQueue(Duration delay) {
        return exchange + "." + RetrySchedule.label(delay);
    }

    /** On the embedded broker: starts the relay that moves due events on. */
    public synchronized void start() {
        if (!brokerExpiry && !schedule.stages().isEmpty() && relay == null) {
            relay = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "retry-relay");
                t.setDaemon(true);
                return t;
            });
            relay.scheduleWithFixedDelay(this::relayDue, 200, 200, TimeUnit.MILLISECONDS);
        }
    }

    /** Declares the exchanges and stage queues: before any target is bound, with every broker connection. */
    public void declare(Channel channel) throws java.io.IOException {
        channel.exchangeDeclare(exchange, "topic", true);
        channel.exchangeDeclare(redeliverExchange(), "topic", true);
        for (Duration delay : schedule.stages()) {
            Map<String, Object> args = new HashMap<>();
            if (brokerExpiry) {
                args.put("x-message-ttl", delay.toMillis());
                args.put("x-dead-letter-exchange", redeliverExchange());
                args.put("x-max-length", maxLength);
            }
            String queue = stageQueue(delay);
            // an expired event must reach its queue again even if a node goes meanwhile
            queues.declare(channel.getConnection(), queue, queues.deadLetteredAtLeastOnce(args), "retry stage");
            channel.queueBind(queue, exchange, RetrySchedule.label(delay) + ".#");
        }
    }

    /** Lets the messages of {@code queue} that come due in a stage back into it. */
    public void bindTarget(Channel channel, String queue) throws java.io.IOException {
        channel.queueBind(queue, redeliverExchange(), "*." + queue);
    }

    /**
     * Puts an event in the stage of {@code delay}, for {@code queue}, confirmed by the broker.
     *
     * @param headers the event's headers (the attempt number among them)
     */
    public void park(String queue, Duration delay, byte[] body, Map<String, Object> headers, String contentType)
            throws TimeoutException {
        MessageProperties props = new MessageProperties();
        props.setContentType(contentType);
        props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        headers.forEach(props::setHeader);
        props.setHeader(DUE, System.currentTimeMillis() + delay.toMillis());
        Message message = new Message(body, props);
        broker.publishConfirmed(template, confirmTimeoutMs, "a retry of " + queue,
                ops -> ops.send(exchange, RetrySchedule.label(delay) + "." + queue, message));
    }

    /** The embedded broker's stand-in for expiry: each stage's due heads go to the redeliver exchange. */
    private void relayDue() {
        try (Channel channel = connections.createConnection().createChannel(false)) {
            channel.confirmSelect();
            for (Duration delay : schedule.stages()) {
                while (true) {
                    GetResponse head = channel.basicGet(stageQueue(delay), false);
                    if (head == null) {
                        break;
                    }
                    Object due = head.getProps().getHeaders() == null ? null : head.getProps().getHeaders().get(DUE);
                    if (due instanceof Number n && n.longValue() > System.currentTimeMillis()) {
                        channel.basicNack(head.getEnvelope().getDeliveryTag(), false, true);
                        break;
                    }
                    AMQP.BasicProperties props = head.getProps();
                    channel.basicPublish(redeliverExchange(), head.getEnvelope().getRoutingKey(), props, head.getBody());
                    channel.waitForConfirmsOrDie(confirmTimeoutMs);
                    channel.basicAck(head.getEnvelope().getDeliveryTag(), false);
                }
            }
        } catch (Exception e) {
            LOG.debug("retry relay: {}", e.toString());
        }
    }

    @Override
    public void close() {
        if (relay != null) {
            relay.shutdownNow();
        }
    }
}
