package org.chat21.camel.events;

import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimelineEventTest {
    static byte[] json(Object value) {
        return Json.writeBytes(value);
    }

    @Test
    void aCopyIsNamedByItsTopicAndPlacedByTimestampAndMessageId() {
        TimelineEvent e = TimelineEvent.published("apps.tilechat.users.bob.messages.alice.clientadded",
                json(Map.of("message_id", "m-1", "timestamp", 1700000000123L, "text", "line one\nline two")));
        assertEquals("clientadded", e.name());
        assertEquals("1700000000123-m-1", e.copyId());
        String frame = e.frame(e.copyId());
        assertTrue(frame.startsWith("id: 1700000000123-m-1\nevent: clientadded\ndata: {\"topic\":"), frame);
        assertTrue(frame.endsWith("\n\n"));
        // a newline in the text stays escaped: data is one line
        assertEquals(5, frame.split("\n", -1).length, frame); // three lines, then the blank one
        Map<String, Object> data = Json.readMap(frame.substring(frame.indexOf("data: ") + 6).trim());
        assertEquals("apps.tilechat.users.bob.messages.alice.clientadded", data.get("topic"));
        assertEquals("line one\nline two", ((Map<?, ?>) data.get("payload")).get("text"));
    }

    @Test
    void updatesHaveNoPlaceOfTheirOwn() {
        TimelineEvent status = TimelineEvent.published("apps.tilechat.users.bob.messages.alice.m-1.clientupdated",
                json(Map.of("message_id", "m-1", "status", 250)));
        assertEquals("clientupdated", status.name());
        assertNull(status.copyId());
        TimelineEvent group = TimelineEvent.published("apps.tilechat.users.bob.groups.g1.clientupdated",
                json(Map.of("uid", "g1", "timestamp", 5)));
        assertNull(group.copyId(), "only messages.<cw>.clientadded is a stored copy");
        assertEquals("clientdeleted",
                TimelineEvent.published("apps.t.users.bob.conversations.alice.clientdeleted", json(Map.of())).name());
    }

    @Test
    void aBodyThatIsNotJsonIsPassedOnAsAString() {
        TimelineEvent e = TimelineEvent.published("apps.t.users.bob.presence.c1",
                "not json\r\nat all".getBytes(StandardCharsets.UTF_8));
        Map<String, Object> data = Json.readMap(e.frame("1-x").split("data: ")[1].trim());
        assertEquals("not json\r\nat all", data.get("payload"));
        assertFalse(e.frame("1-x").contains("\r"));
    }

    @Test
    void lastEventIdsAreTheServicesOwnOrRefused() {
        assertEquals(new TimelineEvent.Position(17, "m-1"), TimelineEvent.parsePosition("17-m-1"));
        assertEquals(new TimelineEvent.Position(17, ""), TimelineEvent.parsePosition("17-"));
        for (String bad : new String[] {"", "x-1", "17", "17-a b", "17-{\"$gt\":1}", "99999999999999999999-a",
                "17-" + "a".repeat(200)}) {
            ApiException e = assertThrows(ApiException.class, () -> TimelineEvent.parsePosition(bad), bad);
            assertEquals(400, e.status());
        }
    }

    @Test
    void positionsOrderByTimestampThenMessageId() {
        TimelineEvent.Position p = new TimelineEvent.Position(10, "b");
        assertTrue(new TimelineEvent.Position(11, "a").after(p));
        assertTrue(new TimelineEvent.Position(10, "c").after(p));
        assertFalse(new TimelineEvent.Position(10, "b").after(p));
        assertFalse(new TimelineEvent.Position(9, "z").after(p));
    }

    @Test
    void eachBrokerIsCappedInItsOwnWords() {
        assertEquals(Map.of("qpid.max_count", 10, "qpid.policy_type", "ring"),
                TimelineSubscription.lengthCap(Map.of("product", "Apache Qpid Broker-J"), 10));
        assertEquals(Map.of("x-max-length", 10, "x-overflow", "drop-head"),
                TimelineSubscription.lengthCap(Map.of("product", "RabbitMQ"), 10));
    }
}
