package org.chat21.camel.outbound;

import org.junit.jupiter.api.Test;

import static org.chat21.camel.outbound.OrderedKeys.Decision.DELIVER;
import static org.chat21.camel.outbound.OrderedKeys.Decision.HOLD;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OrderedKeysTest {
    @Test
    void aConversationWaitsBehindItsFailedMessageAndTheOthersGoOn() {
        OrderedKeys keys = new OrderedKeys();
        assertEquals(DELIVER, keys.arrive("c1", false, false));
        keys.failed("c1");
        // c1's next two are held (parked unattempted), c2 goes on
        assertEquals(HOLD, keys.arrive("c1", false, false));
        keys.held("c1");
        assertEquals(HOLD, keys.arrive("c1", false, false));
        keys.held("c1");
        assertEquals(DELIVER, keys.arrive("c2", false, false));
        // a held one back before the failed one is through: held again
        assertEquals(HOLD, keys.arrive("c1", true, false));
        keys.held("c1");
        // the failed one back for its retry: delivered, and through
        assertEquals(DELIVER, keys.arrive("c1", false, true));
        keys.through("c1");
        // a new one while two held are still out: behind them
        assertEquals(HOLD, keys.arrive("c1", false, false));
        keys.held("c1");
        // the held come back in order and go
        assertEquals(DELIVER, keys.arrive("c1", true, false));
        assertEquals(DELIVER, keys.arrive("c1", true, false));
        assertEquals(DELIVER, keys.arrive("c1", true, false));
        assertEquals(0, keys.conversationsWaiting());
        assertEquals(DELIVER, keys.arrive("c1", false, false));
    }

    @Test
    void aHeldMessageThatFailsBecomesTheHead() {
        OrderedKeys keys = new OrderedKeys();
        keys.failed("c");
        assertEquals(HOLD, keys.arrive("c", false, false));
        keys.held("c");
        assertEquals(DELIVER, keys.arrive("c", false, true));
        keys.through("c");
        assertEquals(DELIVER, keys.arrive("c", true, false));
        keys.failed("c");
        assertEquals(HOLD, keys.arrive("c", false, false), "behind the new head");
    }

    @Test
    void noKeyNoOrder() {
        OrderedKeys keys = new OrderedKeys();
        keys.failed(null);
        assertEquals(DELIVER, keys.arrive(null, false, false));
    }
}
