package org.chat21.camel.send;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.common.StoreInfo;
import org.chat21.camel.common.Wiring;

import java.time.Clock;

/** The outbox ({@code chat21.outbox.*}), bound as {@code outbox}; messageFactory is in routes/beans.yaml. */
public class SendConfig implements CamelConfiguration {
    @PropertyInject("chat21.outbox.batch-interval-ms")
    long outboxBatchIntervalMs;
    @PropertyInject("chat21.outbox.writers")
    int outboxWriters;
    @PropertyInject("chat21.outbox.batch")
    int outboxBatch;
    @PropertyInject("chat21.outbox.linger-us")
    long outboxLingerMicros;

    @Override
    public void configure(CamelContext context) throws Exception {
        MongoDatabase db = Wiring.bound(context, "chatDb", MongoDatabase.class);
        long storeTimeoutMs = Wiring.bound(context, "storeInfo", StoreInfo.class).timeoutMs();
        // accepted messages until delivered; its bookkeeping batches run as a service, stopped (and flushed)
        // before the store's client closes. A send waits for its group commit at most a little beyond the
        // operation timeout: under load it may queue behind a batch that is itself waiting on a stuck store
        // (FaultsIT: answered 503 within 1.4 s, not 2 x 1.2 s)
        Outbox outbox = new Outbox(db, outboxBatchIntervalMs, Clock.systemUTC(), outboxWriters, outboxBatch,
                outboxLingerMicros, storeTimeoutMs > 0 ? storeTimeoutMs + 200 : 10_000);
        context.addService(outbox.bookkeeping(), true, true);
        context.addService(outbox.inserts(), true, true);
        context.getRegistry().bind("outbox", outbox);
    }
}
