package org.chat21.camel.conversation;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.chat21.camel.common.Wiring;

/** Archive / delete a conversation: {@code conversations}, on the store. */
public class ConversationConfig implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("conversations",
                new Conversations(new ConversationStore(Wiring.bound(context, "chatDb", MongoDatabase.class))));
    }
}
