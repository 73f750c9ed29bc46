package org.chat21.camel.observer;

import org.chat21.camel.observer.ClientTopic.Kind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The routing keys of client publications (spec 8) and the ones refused. */
class ClientTopicTest {

    @Test
    void readsEveryKindOfPublication() {
        assertEquals(new ClientTopic(Kind.MESSAGE, "tilechat", "USER1", "group-9a", null, null),
                ClientTopic.parse("apps.tilechat.outgoing.users.USER1.messages.group-9a.outgoing", Kind.MESSAGE));
        assertEquals(new ClientTopic(Kind.RECEIPT, "tilechat", "USER2", "USER1", "6f0c-11", null),
                ClientTopic.parse("apps.tilechat.users.USER2.messages.USER1.6f0c-11.update", Kind.RECEIPT));
        assertEquals(new ClientTopic(Kind.CONVERSATION, "tilechat", "USER2", "USER1", null, null),
                ClientTopic.parse("apps.tilechat.users.USER2.conversations.USER1.update", Kind.CONVERSATION));
        assertEquals(new ClientTopic(Kind.ARCHIVE, "tilechat", "USER2", "USER1", null, null),
                ClientTopic.parse("apps.tilechat.users.USER2.conversations.USER1.archive", Kind.ARCHIVE));
        assertEquals(new ClientTopic(Kind.PRESENCE, "tilechat", "USER2", null, null, "1639214418000"),
                ClientTopic.parse("apps.tilechat.users.USER2.presence.1639214418000", Kind.PRESENCE));
    }

    @Test
    void refusesOtherKindsShapesAndIds() {
        // a queue gets only its own kind
        assertThrows(MalformedPublicationException.class,
                () -> ClientTopic.parse("apps.tilechat.users.USER2.conversations.USER1.update", Kind.ARCHIVE));
        // the service's own publications are not client publications
        assertThrows(MalformedPublicationException.class,
                () -> ClientTopic.parse("apps.tilechat.users.USER2.messages.USER1.clientadded", Kind.MESSAGE));
        assertThrows(MalformedPublicationException.class, () -> ClientTopic.parse(null, Kind.MESSAGE));
        assertThrows(MalformedPublicationException.class, () -> ClientTopic.parse("", Kind.MESSAGE));
        // ids that would break routing keys or queries
        for (String bad : new String[] {"b$x", "", "a b", "x+y"}) {
            assertThrows(MalformedPublicationException.class,
                    () -> ClientTopic.parse("apps.tilechat.outgoing.users.USER1.messages." + bad + ".outgoing", Kind.MESSAGE), bad);
        }
        assertThrows(MalformedPublicationException.class,
                () -> ClientTopic.parse("apps.tilechat.users.USER2.messages.USER1.m$1.update", Kind.RECEIPT));
    }
}
