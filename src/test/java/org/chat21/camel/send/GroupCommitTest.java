package org.chat21.camel.send;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group commit over the wire protocol: concurrent inserts share writes, each learns its own outcome. */
class GroupCommitTest {
    MongoServer server;
    MongoClient client;
    MongoCollection<Document> collection;
    GroupCommit commit;

    @BeforeEach
    void setUp() throws Exception {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://" + server.bind().getHostString() + ":" + server.getLocalAddress().getPort());
        collection = client.getDatabase("chatdb").getCollection("outbox");
        commit = new GroupCommit(collection, 2, 50, 0, 10_000);
        commit.start();
    }

    @AfterEach
    void tearDown() {
        commit.stop();
        client.close();
        server.shutdownNow();
    }

    @Test
    void concurrentInsertsAreAllStoredAndEachDuplicateIsToldSo() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        AtomicInteger inserted = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        // 400 inserts of 200 ids: every id twice, from different threads
        for (int i = 0; i < 400; i++) {
            String id = "m" + (i % 200);
            done.add(pool.submit(() -> {
                if (commit.insert(new Document("_id", id))) {
                    inserted.incrementAndGet();
                } else {
                    duplicates.incrementAndGet();
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertEquals(200, inserted.get());
        assertEquals(200, duplicates.get());
        assertEquals(200, collection.countDocuments());
    }

    @Test
    void aLoneInsertGoesAtOnceAndItsDuplicateIsRefused() {
        assertTrue(commit.insert(new Document("_id", "x")));
        assertFalse(commit.insert(new Document("_id", "x")));
        commit.stop();
        // not running: written directly
        assertTrue(commit.insert(new Document("_id", "y")));
        assertFalse(commit.insert(new Document("_id", "y")));
    }
}
