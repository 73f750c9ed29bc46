package org.chat21.camel.observer;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Message ids of client publications across redeliveries, through the driver over the wire protocol. */
class ClientPublicationsTest {
    static final String KEY = "app.USER1.USER2";
    static final byte[] OK = "{\"text\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
    MongoServer server;
    MongoClient client;
    long now = 1_000_000;
    ClientPublications publications;

    @BeforeEach
    void setUp() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create("mongodb://" + server.bind().getHostString() + ":" + server.getLocalAddress().getPort());
        publications = new ClientPublications(client.getDatabase("chatdb"), new Clock() {
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return Instant.ofEpochMilli(now);
            }
        }, 30_000, 0, 0);
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void aRedeliveryOfAPublicationCutShortKeepsItsId() {
        String first = publications.messageId(KEY, OK, false);
        // killed before the ack: the broker redelivers, flagged
        assertEquals(first, publications.messageId(KEY, OK, true));
        assertEquals(first, publications.messageId(KEY, OK, true), "and again, until it is done");
    }

    @Test
    void theSameTextSentAgainOnPurposeIsANewMessage() {
        String first = publications.messageId(KEY, OK, false);
        publications.done(first);
        now += 1;
        String second = publications.messageId(KEY, OK, false);
        assertNotEquals(first, second);
        // a redelivery of the second (cut short before it was done) is the second, not the first
        assertEquals(second, publications.messageId(KEY, OK, true));
        publications.done(second);
        now += 30_001;
        // past the redelivery window, a redelivery whose first delivery never got as far as a record is a new message
        assertNotEquals(second, publications.messageId(KEY, OK, true));
    }

    @Test
    void aRedeliveryThatOvertakesItsFirstDeliveryWaitsForItsRecord() throws Exception {
        ClientPublications settling = new ClientPublications(client.getDatabase("chatdb"), Clock.systemUTC(), 30_000, 300, 0);
        // the broker gave the publication to another consumer before the first one (its node gone, its client not
        // yet aware) recorded it
        java.util.concurrent.CompletableFuture<String> redelivery =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> settling.messageId(KEY, OK, true));
        Thread.sleep(100);
        String first = settling.messageId(KEY, OK, false);
        assertEquals(first, redelivery.get());
    }

    @Test
    void aFirstDeliveryWhoseRecordCameAfterItsRedeliveryWentOnStops() {
        // the redelivery looked twice, found nothing (the store slow), and went on as a new message; the first
        // delivery's record lands after it, before its consumer noticed its channel gone
        String redelivery = publications.messageId(KEY, OK, true);
        assertNotNull(redelivery);
        now += 500;
        assertNull(publications.messageId(KEY, OK, false), "overtaken: it must not go on");
    }

    @Test
    void aRedeliveryOfAnEarlierIdenticalPublicationDoesNotStopANewOne() {
        publications.done(publications.messageId(KEY, OK, true));
        now += ClientPublications.OVERTAKE_SKEW_MS + 1;
        assertNotNull(publications.messageId(KEY, OK, false));
    }

    @Test
    void aRedeliveryWhoseAckWasLostAfterItWasDoneKeepsItsId() {
        String first = publications.messageId(KEY, OK, false);
        publications.done(first);
        // the consumer's node went before the ack reached the queue: redelivered to another consumer, flagged
        now += 5_000;
        assertEquals(first, publications.messageId(KEY, OK, true));
    }

    /** A record begun long ago and done just now is kept for its redelivery window like any other done record. */
    @Test
    void aRecordIsForgottenAfterItWasDoneNotAfterItBegan() {
        String id = publications.messageId(KEY, OK, false);
        now += 60_000;
        publications.done(id);
        assertEquals(0, publications.purge(30_000, 3_600_000));
        now += 30_001;
        assertEquals(1, publications.purge(30_000, 3_600_000));
    }

    @Test
    void otherConversationsOrBodiesNeverShareAnId() {
        String first = publications.messageId(KEY, OK, false);
        assertNotEquals(first, publications.messageId("app.USER1.USER3", OK, true));
        assertNotEquals(first, publications.messageId(KEY, "{\"text\":\"ok!\"}".getBytes(StandardCharsets.UTF_8), true));
    }

    @Test
    void doneRecordsAreForgottenAfterAWhileAndAnyRecordEventually() {
        publications.done(publications.messageId(KEY, OK, false));
        publications.messageId("app.USER1.USER3", OK, false);
        now += 60_000;
        assertEquals(1, publications.purge(30_000, 3_600_000));
        now += 3_600_000;
        assertEquals(1, publications.purge(30_000, 3_600_000));
    }

    @Test
    void aMovedCopyTakesTheIdOfTheSameBytesHandledSinceItsMark() {
        long before = now;
        String original = publications.messageId(KEY, OK, false);
        publications.done(original);
        // minutes later, out of the redelivery window: the copy the migrate-queues command moved, marked since before
        now += 600_000;
        assertEquals(original, publications.messageId(KEY, OK, false, before, now));
    }

    @Test
    void aMovedPublicationWithNoOriginalSinceItsMarkIsANewMessage() {
        String earlier = publications.messageId(KEY, OK, false);
        publications.done(earlier);
        now += 1_000;
        // the same text sent again on purpose, before the copies began: not what a copy stands for
        assertNotEquals(earlier, publications.messageId(KEY, OK, false, now, now));
    }

    @Test
    void aMovedCopyThatOvertakesItsOriginalWaitsForItsRecord() throws Exception {
        ClientPublications settling = new ClientPublications(client.getDatabase("chatdb"), Clock.systemUTC(), 30_000, 100, 2_000);
        long since = System.currentTimeMillis();
        // the original is still in another consumer's prefetch when its copy is taken
        java.util.concurrent.CompletableFuture<String> copy =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> settling.messageId(KEY, OK, false, since, since));
        Thread.sleep(700);
        String original = settling.messageId(KEY, OK, false);
        assertEquals(original, copy.get());
    }

    @Test
    void aMovedPublicationLooksForItsOriginalOnlyUntilAWhileAfterItWasMoved() {
        ClientPublications settling = new ClientPublications(client.getDatabase("chatdb"), Clock.systemUTC(), 30_000, 100, 2_000);
        long movedAt = System.currentTimeMillis() - 5_000;
        long started = System.nanoTime();
        // moved 5 s ago (a run taken up, everything it left marked): no original to wait for any more
        settling.messageId(KEY, OK, false, 0L, movedAt);
        assertTrue(System.nanoTime() - started < 1_000_000_000L);
    }
}
