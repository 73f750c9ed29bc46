package org.chat21.camel.observer;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.send.MessageFactory;

import java.time.Clock;

/**
 * The observer, what native clients publish over MQTT: {@code clientPublications} (the redeliveries' windows,
 * {@code chat21.observer.*-ms}) and {@code clientMessages}; the queues and consumers are routes/observer.yaml's,
 * clientTopics is in routes/beans.yaml.
 */
public class ObserverConfig implements CamelConfiguration {
    @PropertyInject("chat21.observer.redelivery-window-ms")
    long redeliveryWindowMs;
    @PropertyInject("chat21.observer.redelivery-settle-ms")
    long redeliverySettleMs;
    @PropertyInject("chat21.observer.copy-settle-ms")
    long copySettleMs;

    @Override
    public void configure(CamelContext context) {
        ClientPublications publications = new ClientPublications(Wiring.bound(context, "chatDb", MongoDatabase.class),
                Clock.systemUTC(), redeliveryWindowMs, redeliverySettleMs, copySettleMs);
        context.getRegistry().bind("clientPublications", publications);
        context.getRegistry().bind("clientMessages",
                new ClientMessages(Wiring.fromRoutes(context, "messageFactory", MessageFactory.class), publications));
    }
}
