package org.chat21.camel.delivery;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.StoreInfo;
import org.chat21.camel.common.Wiring;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * Delivery: the copies' store {@code copyStore}, the timeline publisher {@code timelines}
 * ({@code chat21.timeline.exchange}); deliveryPlanner is in routes/beans.yaml. The delivery queue is the
 * {@code batch:deliveries} endpoint of routes/delivery.yaml, its {@code chat21.delivery.*} settings in its URI.
 */
public class DeliveryConfig implements CamelConfiguration {
    @PropertyInject("chat21.timeline.exchange")
    String timelineExchange;

    @Override
    public void configure(CamelContext context) throws Exception {
        MongoDatabase db = Wiring.bound(context, "chatDb", MongoDatabase.class);
        context.getRegistry().bind("copyStore",
                new CopyStore(db, Wiring.bound(context, "storeInfo", StoreInfo.class).uniqueCopies()));
        BrokerCheck brokerCheck = Wiring.bound(context, "brokerCheck", BrokerCheck.class);
        context.getRegistry().bind("timelines", new TimelinePublisher(
                Wiring.bound(context, "rabbitConnectionFactory", CachingConnectionFactory.class), timelineExchange,
                brokerCheck.confirmTimeoutMs(), brokerCheck));
    }
}
