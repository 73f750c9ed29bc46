package org.chat21.camel.presence;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.chat21.camel.common.Wiring;

import java.time.Clock;

/** Who is connected: {@code presence}, on the store. */
public class PresenceConfig implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("presence",
                new Presence(Wiring.bound(context, "chatDb", MongoDatabase.class), Clock.systemUTC()));
    }
}
