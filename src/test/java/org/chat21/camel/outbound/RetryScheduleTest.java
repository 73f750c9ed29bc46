package org.chat21.camel.outbound;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryScheduleTest {
    @Test
    void theSvixScheduleHasEightAttemptsOverAboutTwentyEightHours() {
        RetrySchedule s = RetrySchedule.parse("5s,5m,30m,2h,5h,10h,10h");
        assertEquals(8, s.attempts());
        assertEquals(Duration.ofSeconds(5), s.delayAfter(1));
        assertEquals(Duration.ofMinutes(5), s.delayAfter(2));
        assertEquals(Duration.ofHours(10), s.delayAfter(7));
        assertEquals(Duration.ofHours(10), s.delayAfter(99), "past the end: the last wait");
        assertFalse(s.isLast(7));
        assertTrue(s.isLast(8));
        // 10h is one stage, however often it comes
        assertEquals(List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
                Duration.ofHours(5), Duration.ofHours(10)), s.stages());
        assertEquals(Duration.ofSeconds(5).plusMinutes(35).plusHours(27), s.span());
        assertEquals("5s,5m,30m,2h,5h,10h,10h", s.toString());
    }

    @Test
    void labelsAndUnits() {
        assertEquals("1500ms", RetrySchedule.label(Duration.ofMillis(1500)));
        assertEquals("2s", RetrySchedule.label(Duration.ofMillis(2000)));
        assertEquals("1d", RetrySchedule.label(Duration.ofHours(24)));
        assertEquals(Duration.ofDays(3), RetrySchedule.parse(" 3d ").delayAfter(1));
    }

    @Test
    void noRetries() {
        RetrySchedule none = RetrySchedule.parse("");
        assertEquals(1, none.attempts());
        assertTrue(none.isLast(1));
        assertTrue(none.stages().isEmpty());
    }

    @Test
    void badWaitsAreRefusedWithTheirText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetrySchedule.parse("5s,ten"));
        assertTrue(e.getMessage().contains("'ten'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RetrySchedule.parse("0s"));
        assertThrows(IllegalArgumentException.class, () -> RetrySchedule.parse("5x"));
    }
}
