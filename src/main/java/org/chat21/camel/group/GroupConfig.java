package org.chat21.camel.group;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.send.MessageFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * Groups ({@code chat21.groups.*}, {@code chat21.exchange.group-changes}): {@code groupStore}, {@code groups},
 * the membership cache {@code groupDirectory} and its broker listener {@code groupChanges}; contacts is in
 * routes/beans.yaml.
 */
public class GroupConfig implements CamelConfiguration {
    @PropertyInject("chat21.groups.max-members")
    int maxGroupMembers;
    @PropertyInject("chat21.groups.cache-size")
    int groupCacheSize;
    @PropertyInject("chat21.groups.cache-ttl-ms")
    long groupCacheTtlMs;
    @PropertyInject("chat21.exchange.group-changes")
    String groupChangesExchange;

    @Override
    public void configure(CamelContext context) throws Exception {
        GroupStore groupStore = new GroupStore(Wiring.bound(context, "chatDb", MongoDatabase.class));
        context.getRegistry().bind("groupStore", groupStore);
        context.getRegistry().bind("groups", new Groups(groupStore, Wiring.fromRoutes(context, "contacts", Contacts.class),
                Wiring.fromRoutes(context, "messageFactory", MessageFactory.class), maxGroupMembers));

        // group membership cache, kept in step across instances by a broadcast on a fanout exchange (each
        // instance listens on its own exclusive queue, set up with every broker connection)
        GroupDirectory directory = new GroupDirectory(groupStore, groupCacheSize, groupCacheTtlMs);
        context.getRegistry().bind("groupDirectory", directory);
        BrokerCheck brokerCheck = Wiring.bound(context, "brokerCheck", BrokerCheck.class);
        GroupChangeListener changes = new GroupChangeListener(directory,
                Wiring.bound(context, "rabbitConnectionFactory", CachingConnectionFactory.class), groupChangesExchange,
                brokerCheck.confirmTimeoutMs(), brokerCheck);
        changes.listen();
        context.getRegistry().bind("groupChanges", changes);
    }
}
