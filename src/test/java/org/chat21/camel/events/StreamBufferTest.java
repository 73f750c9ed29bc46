package org.chat21.camel.events;

import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamBufferTest {
    static TimelineEvent copy(long ts, String id) {
        return TimelineEvent.published("apps.t.users.bob.messages.alice.clientadded",
                Json.writeBytes(Map.of("message_id", id, "timestamp", ts)));
    }

    static TimelineEvent update(String id) {
        return TimelineEvent.published("apps.t.users.bob.messages.alice." + id + ".clientupdated",
                Json.writeBytes(Map.of("message_id", id, "status", 250)));
    }

    static List<String> drain(StreamBuffer buffer) {
        List<String> ids = new ArrayList<>();
        StreamBuffer.Frame f;
        while ((f = buffer.poll()) != null) {
            ids.add(f.text().substring(4, f.text().indexOf('\n')) + (f.copy() ? "" : " (update)"));
        }
        return ids;
    }

    @Test
    void liveEventsDuringTheReplayFollowItWithoutWhatItWrote() {
        StreamBuffer buffer = new StreamBuffer(10, 20, new TimelineEvent.Position(1, "a"));
        // published after the queue was bound, but also found by the replay's query
        assertTrue(buffer.offerLive(copy(3, "c")));
        assertTrue(buffer.offerLive(copy(4, "d")));
        assertEquals(0, buffer.pendingSize(), "held back while replaying");
        buffer.offerReplayed(List.of(copy(2, "b"), copy(3, "c")));
        buffer.goLive();
        assertTrue(buffer.offerLive(copy(3, "c")), "a late live duplicate is dropped, not refused");
        assertTrue(buffer.offerLive(copy(5, "e")));
        assertEquals(List.of("2-b", "3-c", "4-d", "5-e"), drain(buffer));
    }

    @Test
    void anUpdateCarriesThePositionSoFar() {
        StreamBuffer buffer = new StreamBuffer(10, 20, new TimelineEvent.Position(1, "a"));
        buffer.goLive();
        buffer.offerLive(update("m1"));
        buffer.offerLive(copy(7, "x"));
        buffer.offerLive(update("x"));
        assertEquals(List.of("1-a (update)", "7-x", "7-x (update)"), drain(buffer));
        assertEquals(new TimelineEvent.Position(7, "x"), buffer.position());
    }

    @Test
    void thePositionOnlyMovesForward() {
        StreamBuffer buffer = new StreamBuffer(10, 20, new TimelineEvent.Position(1, "a"));
        buffer.goLive();
        buffer.offerLive(copy(9, "b"));
        // published after the newer one (two delivery workers): written, with the position it leaves
        buffer.offerLive(copy(8, "c"));
        buffer.offerLive(copy(9, "d"));
        assertEquals(List.of("9-b", "9-b", "9-d"), drain(buffer));
    }

    @Test
    void aReaderTooFarBehindOverflowsOnceAndForAll() {
        StreamBuffer buffer = new StreamBuffer(2, 4, new TimelineEvent.Position(1, ""));
        buffer.goLive();
        assertTrue(buffer.offerLive(copy(2, "a")));
        assertTrue(buffer.offerLive(copy(3, "b")));
        assertFalse(buffer.offerLive(copy(4, "c")));
        assertEquals(2, buffer.pendingSize());
        assertFalse(buffer.offerLive(copy(5, "d")), "once overflowed the stream must close");
    }

    @Test
    void heldEventsAreBoundedToo() {
        StreamBuffer buffer = new StreamBuffer(2, 4, new TimelineEvent.Position(1, ""));
        assertTrue(buffer.offerLive(copy(2, "a")));
        assertTrue(buffer.offerLive(copy(3, "b")));
        assertFalse(buffer.offerLive(copy(4, "c")));
    }

    @Test
    void onlyTheNewestReplayedIdsAreRemembered() {
        StreamBuffer buffer = new StreamBuffer(10, 2, new TimelineEvent.Position(1, ""));
        buffer.offerReplayed(List.of(copy(2, "a"), copy(3, "b"), copy(4, "c")));
        buffer.goLive();
        drain(buffer);
        buffer.offerLive(copy(4, "c"));
        buffer.offerLive(copy(2, "a"));
        StreamBuffer.Frame frame = buffer.poll();
        assertTrue(frame.text().contains("\"message_id\":\"a\""), "a is no longer remembered, c is: " + frame);
        assertTrue(frame.text().startsWith("id: 4-c\n"), "the position stays at the newest");
        assertNull(buffer.poll());
    }
}
