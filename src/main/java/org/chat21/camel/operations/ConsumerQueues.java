package org.chat21.camel.operations;

import com.rabbitmq.client.Channel;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.springrabbit.SpringRabbitMQEndpoint;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.chat21.camel.broker.BrokerRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The durable queues the routes consume with spring-rabbitmq (the observer's), watched: Spring's consumers of a
 * queue that is deleted are cancelled, log an ERROR each and never come back, with nothing in the health report.
 * Here a queue that is gone is one WARN naming the route it stops, shown in the health report (check
 * {@code chat21.consumer-queues}, DOWN, neither readiness nor liveness: the HTTP API still serves), and the
 * route is restarted, which declares the queue again; its return is one INFO line. A broker that cannot be
 * reached is the outage watch's business ({@link DependencyWatch}), not told here.
 * <p>
 * A queue is taken for gone when two looks in a row miss it: the migrate-queues command (infra.QueueMigration)
 * deletes a queue and declares it again at once, unbound, and Spring's consumers come back to it by themselves;
 * a restart caught in that instant would bind it before the command has moved its messages in.
 */
public class ConsumerQueues extends AbstractHealthCheck implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerQueues.class);

    private final CamelContext context;
    private final ConnectionFactory connections;
    private final Consumer<Route> beforeRestart;
    /** the queues found deleted, until they are consumed again */
    private final Set<String> missing = ConcurrentHashMap.newKeySet();
    /** the queues the last look missed */
    private final Set<String> missedOnce = ConcurrentHashMap.newKeySet();

    /** @param beforeRestart runs before a route is restarted for a queue of its that is gone (the queue's type chosen again) */
    public ConsumerQueues(CamelContext context, ConnectionFactory connections, Consumer<Route> beforeRestart) {
        super("chat21", "consumer-queues");
        this.context = context;
        this.connections = connections;
        this.beforeRestart = beforeRestart;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    /** One look at every consumed queue. */
    @Override
    public void run() {
        for (Route route : context.getRoutes()) {
            if (!(route.getEndpoint() instanceof SpringRabbitMQEndpoint rabbit) || rabbit.getQueues() == null) {
                continue;
            }
            for (String queue : rabbit.getQueues().split(",")) {
                look(route, queue.trim());
            }
        }
    }

    private void look(Route route, String queue) {
        try (Channel channel = connections.createConnection().createChannel(false)) {
            channel.queueDeclarePassive(queue);
            missedOnce.remove(queue);
            if (missing.remove(queue)) {
                LOG.info("{}: queue {} is consumed again", route.getRouteId(), queue);
            }
        } catch (Exception e) {
            // a broker that cannot be reached, or any other refusal, is not a queue gone
            BrokerRefusal refusal = BrokerRefusal.of(e);
            if (refusal == null || !refusal.notFound()) {
                LOG.debug("{}: queue {}: {}", route.getRouteId(), queue, e.toString());
                return;
            }
            if (missedOnce.add(queue)) {
                LOG.debug("{}: queue {} not found; looking again before restarting", route.getRouteId(), queue);
                return;
            }
            if (missing.add(queue)) {
                LOG.warn("{}: queue {} is gone (deleted): what it carries is not handled until it is declared again; "
                        + "restarting the route, which declares it", route.getRouteId(), queue);
            }
            try {
                beforeRestart.accept(route);
                context.getRouteController().stopRoute(route.getRouteId(), 5, java.util.concurrent.TimeUnit.SECONDS);
                context.getRouteController().startRoute(route.getRouteId());
            } catch (Exception restart) {
                LOG.debug("{}: restart: {}", route.getRouteId(), restart.toString());
            }
        }
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Set<String> now = new TreeSet<>(missing);
        now.forEach(queue -> builder.detail("queue " + queue, "gone (deleted)"));
        if (now.isEmpty()) {
            builder.message("every consumed queue is there").up();
        } else {
            builder.message("not consumed: " + String.join(", ", now)).down();
        }
    }
}
