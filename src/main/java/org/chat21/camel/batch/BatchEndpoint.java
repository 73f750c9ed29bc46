package org.chat21.camel.batch;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/**
 * One queue of the {@code batch:} component. The options are the consumer's (the route that takes the
 * queue); a producer's URI names the queue only.
 */
public class BatchEndpoint extends DefaultEndpoint {
    private final String name;
    private int workers = 1;
    private int batch = 100;
    private long lingerUs;
    private int capacity = 10_000;
    private int retries;
    private long retryDelayMs = 500;

    BatchEndpoint(String uri, BatchComponent component, String name) {
        super(uri, component);
        this.name = name;
    }

    @Override
    public BatchComponent getComponent() {
        return (BatchComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new BatchProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        BatchConsumer consumer = new BatchConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    public String getName() {
        return name;
    }

    public int getWorkers() {
        return workers;
    }

    /** threads taking batches */
    public void setWorkers(int workers) {
        this.workers = workers;
    }

    public int getBatch() {
        return batch;
    }

    /** items in one exchange at most */
    public void setBatch(int batch) {
        this.batch = batch;
    }

    public long getLingerUs() {
        return lingerUs;
    }

    /** under moderate load, how long a worker waits after the first item for more (a lone item never waits) */
    public void setLingerUs(long lingerUs) {
        this.lingerUs = lingerUs;
    }

    public int getCapacity() {
        return capacity;
    }

    /** items queued at most: a producer's item beyond it is not taken (the caller's fallback has it) */
    public void setCapacity(int capacity) {
        this.capacity = capacity;
    }

    public int getRetries() {
        return retries;
    }

    /** a batch that failed because the store or the broker was away is processed again this many times */
    public void setRetries(int retries) {
        this.retries = retries;
    }

    public long getRetryDelayMs() {
        return retryDelayMs;
    }

    public void setRetryDelayMs(long retryDelayMs) {
        this.retryDelayMs = retryDelayMs;
    }
}
