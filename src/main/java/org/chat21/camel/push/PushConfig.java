package org.chat21.camel.push;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.chat21.camel.common.Wiring;

/**
 * Push instances: {@code instances}, on the store. The push hook and its endpoint ({@code chat21.push.*}) are
 * webhooks.WebhooksConfig's: webhooks.PushHook is a webhook endpoint.
 */
public class PushConfig implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("instances",
                new Instances(new InstanceStore(Wiring.bound(context, "chatDb", MongoDatabase.class))));
    }
}
