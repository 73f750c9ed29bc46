package org.chat21.camel.broker;

import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.impl.AMQImpl;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpIOException;

import java.io.IOException;
import java.net.ConnectException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerRefusalTest {

    static ShutdownSignalException channelClosed(int code, String text) {
        return new ShutdownSignalException(false, false, new AMQImpl.Channel.Close(code, text, 50, 10), null);
    }

    @Test
    void aRefusedDeclareAsTheClientAndSpringWrapIt() {
        String text = "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/'";
        IOException declare = new IOException(channelClosed(406, text));
        BrokerRefusal refusal = BrokerRefusal.of(new AmqpIOException(declare));
        assertEquals(new BrokerRefusal(406, text), refusal);
        assertTrue(refusal.preconditionFailed());
        assertFalse(refusal.notFound());
        assertTrue(BrokerRefusal.of(new IOException(channelClosed(404, "NOT_FOUND - no queue 'q' in vhost '/'"))).notFound());
        assertEquals(403, BrokerRefusal.of(channelClosed(403, "ACCESS_REFUSED - no access")).code());
    }

    @Test
    void aBrokerAwayOrAnotherFailureIsNoRefusal() {
        assertNull(BrokerRefusal.of(new ConnectException("Connection refused")));
        assertNull(BrokerRefusal.of(new IOException(new ShutdownSignalException(true, false,
                new AMQImpl.Connection.Close(320, "CONNECTION_FORCED - broker forced connection closure", 0, 0), null))));
        assertNull(BrokerRefusal.of(new IOException(channelClosed(406 + 100, "something else"))));
        assertNull(BrokerRefusal.of(null));
    }
}
