package org.chat21.camel.history;

import org.chat21.camel.common.ApiException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PagingTest {
    static Paging of(String limit, String before, String beforeId) {
        return Paging.of(limit, before, beforeId, 200, 500);
    }

    @Test
    void defaults() {
        Paging p = of(null, null, null);
        assertEquals(200, p.limit());
        assertNull(p.before());
        assertNull(p.beforeId());
    }

    @Test
    void limitAndCursor() {
        Paging p = of("50", "1700000000000", "5f0a-uuid");
        assertEquals(50, p.limit());
        assertEquals(1_700_000_000_000L, p.before());
        assertEquals("5f0a-uuid", p.beforeId());
        assertEquals(500, of("500", null, null).limit());
        assertEquals(1, of("1", null, null).limit());
    }

    @Test
    void malformedIsA400() {
        for (String[] bad : new String[][] {{"0", null, null}, {"501", null, null}, {"ten", null, null},
                {null, "yesterday", null}, {null, "-5", null}, {null, null, "x"}, {null, "5", "a.b"},
                {null, "5", "{\"$gt\":\"\"}"}}) {
            ApiException e = assertThrows(ApiException.class, () -> of(bad[0], bad[1], bad[2]));
            assertEquals(400, e.status());
        }
    }
}
