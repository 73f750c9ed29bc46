package org.chat21.camel.ratelimit;

import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.observer.ClientTopic;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimitsTest {

    /** A clock the test moves. */
    static final class Clock implements TimeMeter {
        long nanos = 1_000_000_000L;

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }

        void advanceMillis(long ms) {
            nanos += TimeUnit.MILLISECONDS.toNanos(ms);
        }
    }

    final Clock clock = new Clock();
    final RateLimits limits = new RateLimits(clock);
    final Caller alice = new Caller("alice", "app1", false);
    final Caller bob = new Caller("bob", "app1", false);

    private static boolean refused(Map<String, Object> decision) {
        return decision.containsKey("err");
    }

    @Test
    void offByDefault() {
        for (int i = 0; i < 1000; i++) {
            assertNull(limits.send(alice));
            assertNull(limits.groupChange(alice));
            assertTrue(limits.allows(new ClientTopic(ClientTopic.Kind.MESSAGE, "app1", "alice", "bob", null, null)));
        }
        limits.require(null);
        assertEquals(0, limits.buckets("send"));
    }

    @Test
    void aBurstThenTheRateAndTheHeaders() {
        limits.getSends().setPerSecond(2);
        limits.getSends().setBurst(3);
        Map<String, Object> first = limits.send(alice);
        assertEquals(3L, first.get("RateLimit-Limit"));
        assertEquals(2L, first.get("RateLimit-Remaining"));
        // one token back every 0.5 s: full again in 1 s (rounded up to whole seconds)
        assertEquals(1L, first.get("RateLimit-Reset"));
        assertFalse(first.containsKey("Retry-After"));
        limits.require(first);
        assertFalse(refused(limits.send(alice)));
        Map<String, Object> third = limits.send(alice);
        assertEquals(0L, third.get("RateLimit-Remaining"));
        assertEquals(2L, third.get("RateLimit-Reset"), "three tokens at 2/s: 1.5 s, rounded up");

        Map<String, Object> fourth = limits.send(alice);
        assertTrue(refused(fourth));
        assertEquals(1L, fourth.get("Retry-After"));
        assertEquals(0L, fourth.get("RateLimit-Remaining"));
        ApiException e = assertThrows(RateLimitedException.class, () -> limits.require(fourth));
        assertEquals(429, e.status());
        assertTrue(e.getMessage().contains("retry after 1 s"), e.getMessage());
        assertEquals(1, limits.refused("send"));

        // another user of the app has a bucket of their own
        assertFalse(refused(limits.send(bob)));

        clock.advanceMillis(499);
        assertTrue(refused(limits.send(alice)), "not a whole token yet");
        clock.advanceMillis(1);
        assertFalse(refused(limits.send(alice)), "one token after 0.5 s");
        assertTrue(refused(limits.send(alice)));
        clock.advanceMillis(10_000);
        for (int i = 0; i < 3; i++) {
            assertFalse(refused(limits.send(alice)), "refilled up to the burst, no more");
        }
        assertTrue(refused(limits.send(alice)));
        assertEquals(4, limits.refused("send"));
    }

    @Test
    void theBurstDefaultsToOneSecondsWorthAndFractionalRatesWork() {
        limits.getGroupChanges().setPerSecond(0.5);
        Map<String, Object> first = limits.groupChange(alice);
        assertEquals(1L, first.get("RateLimit-Limit"), "at least one");
        Map<String, Object> second = limits.groupChange(alice);
        assertTrue(refused(second));
        assertEquals(2L, second.get("Retry-After"), "one token every 2 s");
        clock.advanceMillis(2000);
        assertFalse(refused(limits.groupChange(alice)));

        limits.getSends().setPerSecond(2.5);
        assertEquals(3L, limits.send(alice).get("RateLimit-Limit"), "rounded up");
    }

    @Test
    void theAppLimitCoversEveryUserAndRefundsTheUsersToken() {
        limits.getSends().setPerSecond(10);
        limits.getSends().setAppPerSecond(1);
        limits.getSends().setAppBurst(3);
        assertFalse(refused(limits.send(alice)));
        assertFalse(refused(limits.send(bob)));
        Map<String, Object> third = limits.send(new Caller("carol", "app1", false));
        assertEquals(3L, third.get("RateLimit-Limit"), "the headers tell the bucket nearer to empty: the app's");
        assertEquals(0L, third.get("RateLimit-Remaining"));
        Map<String, Object> fourth = limits.send(alice);
        assertTrue(refused(fourth));
        assertTrue(((String) fourth.get("err")).contains("app"), (String) fourth.get("err"));
        assertFalse(refused(limits.send(new Caller("alice", "app2", false))), "another app is not affected");
        // alice's own bucket lost nothing to the app's refusals
        limits.getSends().setAppPerSecond(0);
        Map<String, Object> after = limits.send(alice);
        assertEquals(10L, after.get("RateLimit-Limit"));
        assertEquals(8L, after.get("RateLimit-Remaining"), "two sends served, the refused one given back");
    }

    @Test
    void adminsSkipTheUserBucketButCountInTheApps() {
        limits.getSends().setPerSecond(1);
        Caller admin = new Caller("server", "app1", true);
        for (int i = 0; i < 50; i++) {
            assertNull(limits.send(admin), "no headers: nothing limits an admin here");
        }
        limits.getSends().setAppPerSecond(1);
        assertFalse(refused(limits.send(admin)));
        assertTrue(refused(limits.send(admin)));
    }

    @Test
    void publicationsMessagesAndUpdatesHaveLimitsOfTheirOwn() {
        limits.getPublications().setPerSecond(1);
        limits.getPublications().setBurst(2);
        ClientTopic message = new ClientTopic(ClientTopic.Kind.MESSAGE, "app1", "alice", "bob", null, null);
        ClientTopic receipt = new ClientTopic(ClientTopic.Kind.RECEIPT, "app1", "alice", "bob", "m1", null);
        assertTrue(limits.allows(message));
        assertTrue(limits.allows(message));
        assertFalse(limits.allows(message));
        assertTrue(limits.allows(new ClientTopic(ClientTopic.Kind.MESSAGE, "app1", "bob", "alice", null, null)));
        for (int i = 0; i < 100; i++) {
            assertTrue(limits.allows(receipt), "updates are not limited");
        }
        limits.getUpdates().setPerSecond(5);
        for (int i = 0; i < 5; i++) {
            assertTrue(limits.allows(receipt));
        }
        assertFalse(limits.allows(receipt));
        assertEquals(1, limits.refused("publication"));
        assertEquals(1, limits.refused("update"));
        clock.advanceMillis(1000);
        assertTrue(limits.allows(message));
    }

    @Test
    void fullBucketsAreDroppedOnceThereAreMany() {
        limits.getSends().setPerSecond(100);
        for (int i = 0; i < RateLimits.SWEEP_ABOVE; i++) {
            limits.send(new Caller("u" + i, "app1", false));
        }
        assertEquals(RateLimits.SWEEP_ABOVE, limits.buckets("send"));
        // alice is busy (her bucket stays below full), the others were idle and are full again
        limits.send(alice);
        clock.advanceMillis(1000);
        limits.send(alice);
        limits.send(new Caller("newcomer", "app1", false));
        assertEquals(2, limits.buckets("send"), "alice and the newcomer");
    }

    @Test
    void theMetricCountsRefusalsByKind() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        limits.bind(registry);
        limits.getGroupChanges().setPerSecond(1);
        limits.groupChange(alice);
        limits.groupChange(alice);
        limits.groupChange(alice);
        assertEquals(2.0, registry.get("chat21.rate.limited").tag("kind", "group-change").functionCounter().count());
        assertEquals(0.0, registry.get("chat21.rate.limited").tag("kind", "send").functionCounter().count());
    }

    @Test
    void negativeSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> limits.getSends().setPerSecond(-1));
        assertThrows(IllegalArgumentException.class, () -> limits.getSends().setBurst(-1));
        assertThrows(IllegalArgumentException.class, () -> limits.getSends().setAppPerSecond(Double.NaN));
    }
}
