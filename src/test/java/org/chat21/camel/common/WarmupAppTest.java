package org.chat21.camel.common;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmupAppTest {
    static final String WARM = WarmupApp.PREFIX + "0a1b2c";

    @Test
    void onlyTheReservedPrefixIsTheWarmUps() {
        assertTrue(WarmupApp.is(WARM));
        assertFalse(WarmupApp.is("tilechat"));
        assertFalse(WarmupApp.is("my-" + WARM));
        assertFalse(WarmupApp.is(null));
        assertFalse(WarmupApp.is(42));
    }

    @Test
    void aBatchWithoutWarmUpMessagesIsPassedOnAsItIs() {
        List<Map<String, Object>> batch = List.of(Map.of("app_id", "a"), Map.of("app_id", "b"));
        assertSame(batch, WarmupApp.visible(batch));
        assertSame(List.<Map<String, Object>>of(), WarmupApp.visible(List.of()));
    }

    @Test
    void warmUpMessagesAreLeftOutWhereverTheyAre() {
        Map<String, Object> a = Map.of("app_id", "a", "n", 1);
        Map<String, Object> b = Map.of("app_id", "a", "n", 2);
        Map<String, Object> w = Map.of("app_id", WARM);
        assertEquals(List.of(a, b), WarmupApp.visible(List.of(w, a, w, b, w)));
        assertEquals(List.of(a), WarmupApp.visible(List.of(a, w)));
        assertEquals(List.of(), WarmupApp.visible(List.of(w, w)));
    }
}
