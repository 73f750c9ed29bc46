package org.chat21.camel.outbound;

import org.junit.jupiter.api.Test;

import static org.chat21.camel.outbound.OrderedKeys.Decision.DELIVER;
import static org.chat21.camel.outbound.OrderedKeys.Decision.HOLD;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OrderedKeysTest {
    /** A new event held: numbered and parked, as the consumer does. */
    static long hold(OrderedKeys keys, String key) {
        long n = keys.number(key);
        keys.heldParked(key, n);
        return n;
    }

    @Test
    void aConversationWaitsBehindItsFailedMessageAndTheOthersGoOn() {
        OrderedKeys keys = new OrderedKeys();
        assertEquals(DELIVER, keys.arrive("c1", 0, false));
        keys.failed("c1");
        // c1's next two are held (numbered 1 and 2), c2 goes on
        assertEquals(HOLD, keys.arrive("c1", 0, false));
        assertEquals(1, hold(keys, "c1"));
        assertEquals(HOLD, keys.arrive("c1", 0, false));
        assertEquals(2, hold(keys, "c1"));
        assertEquals(DELIVER, keys.arrive("c2", 0, false));
        // a held one back before the failed one is through: held again
        assertEquals(HOLD, keys.arrive("c1", 1, false));
        // the failed one back for its retry: delivered, and through
        assertEquals(DELIVER, keys.arrive("c1", 0, true));
        keys.through("c1");
        // a new one while the held are still out: behind them (3)
        assertEquals(HOLD, keys.arrive("c1", 0, false));
        assertEquals(3, hold(keys, "c1"));
        // out of turn: 2 and 3 cycle again until 1 has gone
        assertEquals(HOLD, keys.arrive("c1", 3, false));
        assertEquals(HOLD, keys.arrive("c1", 2, false));
        assertEquals(DELIVER, keys.arrive("c1", 1, false));
        keys.through("c1");
        keys.left("c1", 1);
        assertEquals(HOLD, keys.arrive("c1", 3, false));
        assertEquals(DELIVER, keys.arrive("c1", 2, false));
        keys.through("c1");
        keys.left("c1", 2);
        assertEquals(DELIVER, keys.arrive("c1", 3, false));
        keys.through("c1");
        keys.left("c1", 3);
        assertEquals(0, keys.conversationsWaiting());
        assertEquals(DELIVER, keys.arrive("c1", 0, false));
    }

    @Test
    void aHeldMessageThatFailsBecomesTheHeadAndTheOthersStayBehind() {
        OrderedKeys keys = new OrderedKeys();
        keys.failed("c");
        hold(keys, "c");
        hold(keys, "c");
        assertEquals(DELIVER, keys.arrive("c", 0, true));
        keys.through("c");
        // held 1 is delivered and fails: it is the head now, parked for its retry
        assertEquals(DELIVER, keys.arrive("c", 1, false));
        keys.failed("c");
        keys.left("c", 1);
        assertEquals(HOLD, keys.arrive("c", 2, false), "held 2 behind the new head");
        assertEquals(HOLD, keys.arrive("c", 0, false), "and a new one too");
        assertEquals(DELIVER, keys.arrive("c", 0, true), "the head's retry");
        keys.through("c");
        assertEquals(DELIVER, keys.arrive("c", 2, false));
    }

    @Test
    void aParkThatFailedAndIsRedeliveredCountsNothingTwice() {
        OrderedKeys keys = new OrderedKeys();
        keys.failed("c");
        assertEquals(1, keys.number("c"));
        // the park of the first held one failed (not counted): it comes again, fresh, and gets the same number
        assertEquals(HOLD, keys.arrive("c", 0, false));
        assertEquals(1, hold(keys, "c"));
        keys.through("c");
        // delivered, its settle fails (requeued): decided again, nothing counted
        assertEquals(DELIVER, keys.arrive("c", 1, false));
        assertEquals(DELIVER, keys.arrive("c", 1, false));
        assertEquals(HOLD, keys.arrive("c", 0, false), "a new one still waits behind it");
        keys.left("c", 1);
        assertEquals(DELIVER, keys.arrive("c", 0, false));
    }

    @Test
    void noKeyNoOrder() {
        OrderedKeys keys = new OrderedKeys();
        keys.failed(null);
        assertEquals(DELIVER, keys.arrive(null, 0, false));
    }
}
