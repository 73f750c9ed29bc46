package org.chat21.camel.outbound;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.time.Duration;

/** One queue of outbound events ({@link OutboundComponent}); consumers only. */
public class OutboundEndpoint extends DefaultEndpoint {
    /**
     * @param queue         the durable queue the events come from
     * @param name          what the metrics, health and logs call this remote
     * @param inFlight      deliveries in flight at most (per instance)
     * @param failureRate   the breaker opens when this percentage of the last calls failed...
     * @param minimumCalls  ...out of at least this many
     * @param open          how long an open breaker stays open before it lets probes through
     * @param halfOpenCalls how many probes decide whether it closes again
     */
    public record Settings(String queue, String name, int inFlight, int failureRate, int minimumCalls, Duration open,
                           int halfOpenCalls) {
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
