package org.chat21.camel.operations;

import com.nimbusds.jwt.SignedJWT;
import org.chat21.camel.api.TokenVerifier;
import org.chat21.camel.common.Caller;
import org.bson.Document;
import org.chat21.camel.common.WarmupApp;
import org.chat21.camel.infra.MongoStandIn;
import org.chat21.camel.send.Outbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmupTest {
    @RegisterExtension
    final MongoStandIn store = new MongoStandIn();

    /**
     * The clean-up deletes the warm-up's outbox entries, as send.Outbox writes them (the app inside the message), so
     * that the relay cannot deliver one after it; another app's entry stays.
     */
    @Test
    void theCleanUpDeletesItsOwnOutboxEntries() {
        Warmup warmup = new Warmup(100, 1000, "http://127.0.0.1:1/api", new TokenVerifier("k", 0), store.db(), null, null);
        Outbox outbox = new Outbox(store.db(), 20, Clock.systemUTC());
        outbox.acceptAll(List.of(message("w1", warmup.app()), message("o1", "tilechat")));
        assertEquals(1, warmup.cleanUp(), "the warm-up's entry deleted, nothing else of it stored");
        assertEquals(List.of("o1"), store.db().getCollection("outbox").find().map(d -> d.getString("_id"))
                .into(new ArrayList<>()));
    }

    private static Map<String, Object> message(String id, String app) {
        return new Document("message_id", id).append("app_id", app).append("sender", app + "-u1")
                .append("recipient", app + "-u2").append("channel_type", "direct").append("text", "hi");
    }

    @Test
    void autoWarmsUpOnlyWithoutTheStandIns() {
        assertTrue(Warmup.wanted("auto", false));
        assertFalse(Warmup.wanted("auto", true));
        assertTrue(Warmup.wanted("on", true));
        assertTrue(Warmup.wanted(" ON ", false));
        assertFalse(Warmup.wanted("off", false));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Warmup.wanted("sometimes", false));
        assertTrue(bad.getMessage().contains("WARMUP"), bad.getMessage());
    }

    @Test
    void itsTokensAreTheServicesOwnForAUserOfItsApp() throws Exception {
        Warmup warmup = new Warmup(100, 1000, "http://127.0.0.1:1/api", new TokenVerifier("tokenKey", 0), null, null, null);
        assertTrue(WarmupApp.is(warmup.app()));
        String token = warmup.token(warmup.app() + "-u3");
        Caller caller = new TokenVerifier("tokenKey", 0).verify(token);
        assertEquals(warmup.app(), caller.appId());
        assertEquals(warmup.app() + "-u3", caller.userId());
        assertFalse(caller.admin());
        assertEquals("HS256", SignedJWT.parse(token).getHeader().getAlgorithm().getName());
    }

    @Test
    void onlyThisProcessesHeaderLetsARequestThrough() {
        Warmup one = new Warmup(100, 1000, "http://127.0.0.1:1/api", new TokenVerifier("k", 0), null, null, null);
        Warmup other = new Warmup(100, 1000, "http://127.0.0.1:1/api", new TokenVerifier("k", 0), null, null, null);
        assertNotEquals(one.app(), other.app());
        assertFalse(one.admits(null));
        assertFalse(one.admits(""));
        assertFalse(one.admits("0123456789abcdef0123456789abcdef"));
        assertTrue(one.admits(one.header()));
        assertFalse(other.admits(one.header()));
        assertTrue(one.enabled());
        assertFalse(new Warmup(0, 1000, "http://127.0.0.1:1/api", new TokenVerifier("k", 0), null, null, null).enabled());
    }

    @Test
    void percentilesOfTheLastSecondsLatencies() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i + 1;
        }
        assertEquals(51, Warmup.percentile(sorted, 0.5));
        assertEquals(100, Warmup.percentile(sorted, 0.99));
        assertEquals(7, Warmup.percentile(new long[]{7}, 0.99));
        assertEquals(-1, Warmup.percentile(new long[0], 0.5));
    }
}
