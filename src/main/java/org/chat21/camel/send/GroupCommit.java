package org.chat21.camel.send;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import org.apache.camel.support.service.ServiceSupport;
import org.bson.Document;
import org.chat21.camel.common.BatchWorkers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Group commit of inserts: the documents concurrent requests insert are written together, one
 * {@code insertMany} (unordered) per round trip instead of one {@code insertOne} each. A writer takes
 * whatever is waiting as soon as it is free, so a lone insert goes at once and batches form only under load.
 * Each caller learns its own outcome: inserted, a duplicate key, or the failure.
 */
public class GroupCommit extends ServiceSupport {
    private static final InsertManyOptions UNORDERED = new InsertManyOptions().ordered(false);

    private record Insert(Document doc, CompletableFuture<Boolean> outcome) {
    }

    private final MongoCollection<Document> collection;
    private final long timeoutMs;
    private final BatchWorkers<Insert> writers;

    /**
     * @param lingerMicros under load, how long a writer waits after the first insert for more (BatchWorkers)
     * @param timeoutMs    the longest a caller waits for its batch (beyond the driver's own timeouts)
     */
    public GroupCommit(MongoCollection<Document> collection, int writers, int maxBatch, long lingerMicros, long timeoutMs) {
        this.collection = collection;
        this.timeoutMs = timeoutMs;
        this.writers = new BatchWorkers<>("outbox-writer", new LinkedBlockingQueue<>(), writers, maxBatch, lingerMicros,
                this::commit);
    }

    /**
     * Inserts {@code doc} with the others waiting; true when inserted, false when a document with its
     * {@code _id} (or another unique key) exists. Written directly while the service is not running.
     */
    public boolean insert(Document doc) {
        Insert insert = new Insert(doc, new CompletableFuture<>());
        if (!writers.offer(insert)) {
            return insertAlone(doc);
        }
        try {
            return insert.outcome().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing", e);
        } catch (TimeoutException e) {
            throw new com.mongodb.MongoTimeoutException("the store did not answer within " + timeoutMs + " ms");
        }
    }

    private boolean insertAlone(Document doc) {
        try {
            collection.insertOne(doc);
            return true;
        } catch (com.mongodb.MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        }
    }

    @Override
    protected void doStart() {
        writers.start();
    }

    private void commit(List<Insert> batch) {
        List<Document> docs = new ArrayList<>(batch.size());
        for (Insert insert : batch) {
            docs.add(insert.doc());
        }
        boolean[] duplicate = new boolean[batch.size()];
        try {
            collection.insertMany(docs, UNORDERED);
        } catch (MongoBulkWriteException e) {
            for (BulkWriteError error : e.getWriteErrors()) {
                if (error.getCategory() == ErrorCategory.DUPLICATE_KEY) {
                    duplicate[error.getIndex()] = true;
                } else {
                    batch.get(error.getIndex()).outcome().completeExceptionally(e);
                }
            }
        } catch (RuntimeException e) {
            for (Insert insert : batch) {
                insert.outcome().completeExceptionally(e);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).outcome().complete(!duplicate[i]);
        }
    }

    @Override
    protected void doStop() {
        writers.stop();
    }
}
