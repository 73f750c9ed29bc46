package org.chat21.camel.delivery;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.PropertyInject;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.StoreInfo;
import org.chat21.camel.common.Wiring;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * Delivery: the delivery queue ({@code chat21.delivery.*}) bound as {@code deliveries}, the copies' store
 * {@code copyStore}, the timeline publisher {@code timelines} ({@code chat21.timeline.exchange});
 * deliveryPlanner is in routes/beans.yaml.
 */
public class DeliveryConfig implements CamelConfiguration {
    @PropertyInject("chat21.delivery.workers")
    int deliveryWorkers;
    @PropertyInject("chat21.delivery.batch")
    int deliveryBatch;
    @PropertyInject("chat21.delivery.linger-us")
    long deliveryLingerMicros;
    @PropertyInject("chat21.delivery.retries")
    int deliveryRetries;
    @PropertyInject("chat21.delivery.retry-delay-ms")
    long deliveryRetryDelayMs;
    @PropertyInject("chat21.delivery.queue-capacity")
    int deliveryQueueCapacity;
    @PropertyInject("chat21.timeline.exchange")
    String timelineExchange;

    @Override
    public void configure(CamelContext context) throws Exception {
        // accepted messages are delivered by this process, in batches that form under load (the route
        // deliver-batch); what it does not deliver stays in the outbox for the relay
        ProducerTemplate producer = context.createProducerTemplate();
        DeliveryQueue deliveries = new DeliveryQueue(batch -> producer.sendBody("direct:deliver-batch", batch),
                deliveryWorkers, deliveryBatch, deliveryLingerMicros, deliveryQueueCapacity, deliveryRetries,
                deliveryRetryDelayMs);
        context.addService(deliveries, true, true);
        context.getRegistry().bind("deliveries", deliveries);

        MongoDatabase db = Wiring.bound(context, "chatDb", MongoDatabase.class);
        context.getRegistry().bind("copyStore",
                new CopyStore(db, Wiring.bound(context, "storeInfo", StoreInfo.class).uniqueCopies()));
        BrokerCheck brokerCheck = Wiring.bound(context, "brokerCheck", BrokerCheck.class);
        context.getRegistry().bind("timelines", new TimelinePublisher(
                Wiring.bound(context, "rabbitConnectionFactory", CachingConnectionFactory.class), timelineExchange,
                brokerCheck.confirmTimeoutMs(), brokerCheck));
    }
}
