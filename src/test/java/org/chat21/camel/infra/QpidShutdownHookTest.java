package org.chat21.camel.infra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Qpid workaround still does its job, and is still needed: an upgrade that renames the field fails here
 * (nothing removed), and so does one where Qpid no longer registers a hook (then delete QpidShutdownHook).
 */
class QpidShutdownHookTest {
    @Test
    void theEmbeddedBrokersOwnHookIsFoundAndRemoved(@TempDir Path dir) throws Exception {
        EmbeddedBroker broker = new EmbeddedBroker(dir, 0);
        broker.start();
        try {
            assertTrue(broker.hookRemoved(), "Qpid's _shutdownHook was not found or not registered: see QpidShutdownHook");
        } finally {
            broker.stop();
        }
    }
}
