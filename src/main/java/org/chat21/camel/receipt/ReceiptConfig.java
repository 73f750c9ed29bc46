package org.chat21.camel.receipt;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.chat21.camel.common.Wiring;

/** Read receipts: {@code readReceipts}, on the store. */
public class ReceiptConfig implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) {
        context.getRegistry().bind("readReceipts", new ReadReceipts(Wiring.bound(context, "chatDb", MongoDatabase.class)));
    }
}
