package org.chat21.camel.outbound;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.time.Duration;

/** One queue of outbound events ({@link OutboundComponent}); consumers only. */
public class OutboundEndpoint extends DefaultEndpoint {
    /**
     * @param queue         the durable queue the events come from (with partitions: the prefix of
     *                      {@code <queue>.0} ... {@code <queue>.<partitions - 1>})
     * @param name          what the metrics, health and logs call this remote
     * @param inFlight      deliveries in flight at most (per instance, per partition queue)
     * @param failureRate   the breaker opens when this percentage of the last calls failed...
     * @param minimumCalls  ...out of at least this many
     * @param open          how long an open breaker stays open before it lets probes through
     * @param halfOpenCalls how many probes decide whether it closes again
     * @param partitions    how many queues (1: {@code queue} itself)
     * @param ordered       one at a time per partition, and a conversation's events in their order through
     *                      retries ({@link OrderedKeys}): its later events wait behind a failed one
     * @param declare       whether the consumer declares its queues (single active consumer) itself
     * @param stages        the retry stages (their exchange and schedule)
     */
    public record Settings(String queue, String name, int inFlight, int failureRate, int minimumCalls, Duration open,
                           int halfOpenCalls, int partitions, boolean ordered, boolean declare, RetryStages stages) {
        /** The queues consumed. */
        public java.util.List<String> queues() {
            if (partitions <= 1) {
                return java.util.List.of(queue);
            }
            java.util.List<String> out = new java.util.ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                out.add(queue + "." + i);
            }
            return out;
        }
    }

    private final Settings settings;

    OutboundEndpoint(String uri, OutboundComponent component, Settings settings) {
        super(uri, component);
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public OutboundComponent getComponent() {
        return (OutboundComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("outbound: is a consumer only (from: outbound:<queue>)");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        OutboundConsumer consumer = new OutboundConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public boolean isSingleton() {
        return true;
    }
}
