package org.chat21.camel.broker;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.component.springrabbit.SpringRabbitMQEndpoint;
import org.chat21.camel.common.StartupFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The type of the durable queues the service declares ({@code chat21.rabbitmq.queue-type}): quorum queues are
 * replicated on a cluster's nodes and survive the loss of a minority of them; a classic queue lives on one node
 * and is gone while that node is. Per-instance queues (exclusive, auto-delete) are not concerned.
 * <p>
 * A queue that already exists with the other type (made by an earlier version, or before the setting changed)
 * cannot be declared again with this one: RabbitMQ refuses with PRECONDITION_FAILED. It is used as it is, told
 * with one WARN line that gives the way over; nothing stops.
 * <p>
 * The embedded broker (Qpid) refuses the {@code x-queue-type} argument: there no type is asked for.
 */
public final class DurableQueues {
    private static final Logger LOG = LoggerFactory.getLogger(DurableQueues.class);
    /** what the migration is documented as */
    static final String WAY_OVER = "java -jar chat21-camel.jar migrate-queues (docs/scaling-out.md, \"Queues made classic\")";

    /** the endpoint argument that types a spring-rabbitmq consumer's queue (arg.queue.x-queue-type) */
    private static final String TYPE_ARG = "queue.x-queue-type";

    private final String type;
    private final boolean rabbitmq;
    private final Set<String> told = ConcurrentHashMap.newKeySet();

    /**
     * @param type     quorum or classic; anything else stops the start-up
     * @param rabbitmq false on the embedded broker
     */
    public DurableQueues(String type, boolean rabbitmq) {
        String t = type.trim().toLowerCase();
        if (!t.equals("quorum") && !t.equals("classic")) {
            throw new StartupFailure("chat21.rabbitmq.queue-type (RABBITMQ_QUEUE_TYPE) is quorum or classic, not '" + type + "'");
        }
        this.type = t;
        this.rabbitmq = rabbitmq;
    }

    /** Whether this is RabbitMQ (false: the embedded broker, without queue types, message TTL or dead-lettering). */
    public boolean rabbitmq() {
        return rabbitmq;
    }

    /** The {@code x-queue-type} to ask for, or null on the embedded broker. */
    public String declaredType() {
        return rabbitmq ? type : null;
    }

    public boolean quorum() {
        return "quorum".equals(declaredType());
    }

    /** {@code base} and the queue type. */
    public Map<String, Object> arguments(Map<String, Object> base) {
        Map<String, Object> args = new HashMap<>(base);
        if (rabbitmq) {
            args.put("x-queue-type", type);
        }
        return args;
    }

    /**
     * The arguments of a queue whose messages must survive their dead-lettering (a retry stage: an expired message
     * goes back to its queue): a quorum queue dead-letters at most once unless told to do it at least once, which
     * RabbitMQ allows only with {@code reject-publish} overflow (a full stage refuses new messages; the publisher
     * sees the nack). A classic queue dead-letters within the node, as it was.
     */
    public Map<String, Object> deadLetteredAtLeastOnce(Map<String, Object> base) {
        Map<String, Object> args = arguments(base);
        if (quorum()) {
            args.put("x-dead-letter-strategy", "at-least-once");
            args.put("x-overflow", "reject-publish");
        }
        return args;
    }

    /**
     * Declares a durable queue with {@code args} (from {@link #arguments}) on a channel of its own (a refusal closes
     * the channel). One that exists with other arguments is left as it is, told once.
     *
     * @param feature what reads the queue, for the WARN line
     * @return true when declared as asked
     */
    public boolean declare(Connection connection, String queue, Map<String, Object> args, String feature) throws IOException {
        try (Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, args);
            return true;
        } catch (Exception e) {
            BrokerRefusal refusal = BrokerRefusal.of(e);
            if (refusal == null || !refusal.preconditionFailed()) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
            if (told.add(queue)) {
                LOG.warn("{}: queue {} exists with other arguments than this version's {} ({}): used as it is; the way over: {}",
                        feature, queue, args, refusal.text(), WAY_OVER);
            }
            return false;
        }
    }

    /**
     * The routes' spring-rabbitmq consumers of a typed durable queue (the observer's): one that exists with the other
     * type is declared with that type instead, so that its route starts and consumes it as it is, told once (Spring
     * would otherwise fail the route's start, and the supervisor its restarts, each with an ERROR line). Run before
     * the routes start; a broker that cannot be reached leaves them as they are.
     */
    public void adoptExisting(CamelContext context, Connection connection) {
        for (Endpoint endpoint : context.getEndpoints()) {
            adopt(endpoint, connection);
        }
    }

    /**
     * One consumer's queues, as {@link #adoptExisting}; again before its route is restarted for a queue that was
     * deleted (operations.ConsumerQueues): the type asked is this version's again, so a queue deleted to be moved
     * by hand comes back with it, not with the type it was adopted with.
     */
    public void adopt(Endpoint endpoint, Connection connection) {
        String asked = declaredType();
        if (asked == null || !(endpoint instanceof SpringRabbitMQEndpoint rabbit) || rabbit.getQueues() == null
                || rabbit.getArgs() == null || !(rabbit.getArgs().get(TYPE_ARG) instanceof String)) {
            return;
        }
        rabbit.getArgs().put(TYPE_ARG, asked);
        String other = asked.equals("quorum") ? "classic" : "quorum";
        for (String queue : rabbit.getQueues().split(",")) {
            try {
                if (!declare(connection, queue.trim(), Map.of("x-queue-type", asked), "observer")) {
                    try (Channel channel = connection.createChannel()) {
                        channel.queueDeclare(queue.trim(), true, false, false, Map.of("x-queue-type", other));
                        rabbit.getArgs().put(TYPE_ARG, other);
                    }
                }
            } catch (Exception e) {
                LOG.debug("queue {}: {}", queue, e.toString());
            }
        }
    }
}
