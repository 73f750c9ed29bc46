package org.chat21.camel.broker;

import org.chat21.camel.common.StartupFailure;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerAddressesTest {

    @Test
    void aListOfNodesKeepsTheUrisLogin() {
        BrokerAddresses a = BrokerAddresses.parse("amqp://u:p@rabbit/chat", " n1:5681, n2 ,[::1]:5683,");
        assertEquals(List.of("n1:5681", "n2:5672", "[::1]:5683"), a.nodes());
        assertEquals("rabbit", a.uri().getHost());
        assertEquals("amqp://***@rabbit/chat (nodes n1:5681, n2:5672, [::1]:5683)", a.describe());
    }

    @Test
    void tlsNodesDefaultToTheTlsPort() {
        assertEquals(List.of("n1:5671"), BrokerAddresses.parse("amqps://u:p@rabbit", "n1").nodes());
    }

    @Test
    void oneNodeIsTheUriAlone() {
        BrokerAddresses a = BrokerAddresses.parse("amqp://u:p@rabbit:5672", "");
        assertTrue(a.nodes().isEmpty());
        assertEquals("amqp://***@rabbit:5672", a.describe());
    }

    @Test
    void theClientIsGivenEveryNode() throws Exception {
        CachingConnectionFactory connections = new CachingConnectionFactory(new URI("amqp://u:p@rabbit:5672/chat"));
        BrokerAddresses.parse("amqp://u:p@rabbit:5672/chat", "n1:5681,n2:5682").applyTo(connections);
        // Spring keeps the list for its connections; the URI's login and virtual host stay
        assertEquals("u", connections.getUsername());
        assertEquals("chat", connections.getVirtualHost());
        connections.destroy();
    }

    @Test
    void whatTheClientWouldMisreadStopsTheStart() {
        // the AMQP client reads this as no host at all: localhost:5672 as guest
        StartupFailure list = assertThrows(StartupFailure.class,
                () -> BrokerAddresses.parse("amqp://u:p@host1:5681,host2:5682", ""));
        assertTrue(list.getMessage().contains("RABBITMQ_ADDRESSES"), list.getMessage());
        assertFalse(list.getMessage().contains("u:p"), "no password in the log: " + list.getMessage());
        assertThrows(StartupFailure.class, () -> BrokerAddresses.parse("http://rabbit", ""));
        assertThrows(StartupFailure.class, () -> BrokerAddresses.parse("amqp://us^er:p@rabbit", ""));
        assertThrows(StartupFailure.class, () -> BrokerAddresses.parse("amqp://", ""));
        StartupFailure entry = assertThrows(StartupFailure.class,
                () -> BrokerAddresses.parse("amqp://rabbit", "n1:5681,amqp://u:p@n2:5682"));
        assertFalse(entry.getMessage().contains("u:p"), entry.getMessage());
        assertThrows(StartupFailure.class, () -> BrokerAddresses.parse("amqp://rabbit", "n1:99999"));
        assertThrows(StartupFailure.class, () -> BrokerAddresses.parse("amqp://rabbit", "n1:56 72"));
    }
}
