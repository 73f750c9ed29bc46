package org.chat21.camel.infra;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.health.HealthCheckRegistry;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.broker.DurableQueues;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.operations.ConsumerQueues;
import org.chat21.camel.operations.DependencyCheck;
import org.chat21.camel.operations.DependencyWatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.util.concurrent.TimeUnit;

/**
 * MongoDB and RabbitMQ watched ({@code chat21.outage.check-interval-ms}): an outage of either told once, with what
 * it affects, and its end too (a store that comes back gets its indexes again); both in readiness; the queues the
 * routes consume. After the store and the broker, before the features: its service stops after theirs.
 */
public class DependencySetup implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(DependencySetup.class);

    @PropertyInject("chat21.outage.check-interval-ms")
    long outageCheckMs;

    @Override
    public void configure(CamelContext context) throws Exception {
        MongoDatabase db = Wiring.bound(context, "chatDb", MongoDatabase.class);
        BrokerCheck brokerCheck = Wiring.bound(context, "brokerCheck", BrokerCheck.class);
        CachingConnectionFactory connections = Wiring.bound(context, "rabbitConnectionFactory", CachingConnectionFactory.class);
        DurableQueues durableQueues = Wiring.bound(context, "durableQueues", DurableQueues.class);
        context.addService(new DependencyWatch(outageCheckMs)
                .watch("MongoDB", "every API call answers 503 and client publications wait in their queues until it is back",
                        () -> db.runCommand(new org.bson.Document("ping", 1)),
                        // a store that comes back may be a new one (restored, or a stand-in restarted empty): the
                        // unique keys the service relies on are made again (nothing to do if they are there)
                        () -> Indexes.ensure(StoreSetup.indexing(db)))
                .watch("RabbitMQ", "sends are still accepted (stored) and delivered when it is back; group changes and "
                        + "archives answer 503; MQTT clients, webhooks and bridges wait", brokerCheck::requireReachable),
                true, true);
        // readiness (/observe/health/ready): both dependencies reachable, besides Camel's own route checks
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        // the queues the routes consume (the observer's): one deleted is told, shown, and declared again
        // (watched once every route runs)
        ConsumerQueues consumerQueues = new ConsumerQueues(context, connections, route -> {
            try {
                durableQueues.adopt(route.getEndpoint(), connections.createConnection().getDelegate());
            } catch (Exception brokerAway) {
                LOG.debug("queue type not checked: {}", brokerAway.toString());
            }
        });
        if (health != null) {
            health.register(consumerQueues);
            health.register(new DependencyCheck("mongodb", () -> db.runCommand(new org.bson.Document("ping", 1))));
            health.register(new DependencyCheck("rabbitmq", brokerCheck::requireReachable));
        }
        Wiring.whenFullyStarted(context, started -> {
            // 0 = not watched (a period of 0 would make the scheduler refuse, and the start fail)
            if (outageCheckMs > 0) {
                started.getExecutorServiceManager().newSingleThreadScheduledExecutor(DependencySetup.this, "consumer-queues")
                        .scheduleWithFixedDelay(consumerQueues, outageCheckMs, outageCheckMs, TimeUnit.MILLISECONDS);
            }
        });
    }
}
