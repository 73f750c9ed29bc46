package org.chat21.camel.operations;

import com.mongodb.client.MongoDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bson.Document;
import org.chat21.camel.infra.MongoStandIn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gauges and the retry counter read what they are given for as long as the service runs: Micrometer
 * holds a gauge's object weakly by default, and the collection and supplier handed to bind are referenced
 * nowhere else, so after a garbage collection they read NaN (seen in CI: "outbox backlog not 0").
 */
class ServiceMetricsTest {
    @RegisterExtension
    final MongoStandIn store = new MongoStandIn();
    MongoDatabase db;

    @BeforeEach
    void setUp() {
        db = store.db();
    }

    @Test
    void gaugesSurviveGarbageCollection() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ServiceMetrics metrics = new ServiceMetrics();
        // as OperationsConfig binds them: a collection object made for the call
        metrics.bind(registry, db.getCollection("outbox"));
        db.getCollection("outbox").insertMany(List.of(
                new Document("_id", "m1").append("state", "pending"),
                new Document("_id", "m2").append("state", "confirmed"),
                new Document("_id", "m3").append("state", "dead")));

        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(2.0, registry.get("chat21.outbox.backlog").gauge().value());
        assertEquals(1.0, registry.get("chat21.outbox.parked").gauge().value());
    }

    @Test
    void latencyFromAcceptanceToDelivery() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ServiceMetrics metrics = new ServiceMetrics();
        metrics.accepted(Map.of("message_id", "before-bind"));
        metrics.bind(registry, db.getCollection("outbox"));
        metrics.accepted(Map.of("message_id", "a"));
        metrics.delivered(List.of(Map.of("message_id", "a"), Map.of("message_id", "before-bind"),
                Map.of("message_id", "relayed-elsewhere")));
        // only the message accepted and delivered here, once the registry was there
        assertEquals(1, registry.get("chat21.delivery.latency").timer().count());
        metrics.delivered(List.of(Map.of("message_id", "a")));
        assertEquals(1, registry.get("chat21.delivery.latency").timer().count(), "a redelivery is not timed again");
        assertTrue(registry.get("chat21.delivery.latency").timer().totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) > 0);
    }
}
