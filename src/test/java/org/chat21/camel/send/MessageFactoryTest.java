package org.chat21.camel.send;

import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageFactoryTest {
    static final long NOW = 1_700_000_000_000L;
    final MessageFactory factory = new MessageFactory(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    final Caller alice = new Caller("alice", "tilechat", false);
    final Caller admin = new Caller("root", "tilechat", true);

    Map<String, Object> build(Caller caller, String json) {
        return factory.build(caller, "tilechat", json.getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
    }

    @Test
    void buildsADirectMessageWithServerFields() {
        var m = build(alice, "{\"sender_fullname\":\"Alice\",\"recipient_id\":\"bob\",\"recipient_fullname\":\"Bob\","
                + "\"text\":\"hi\",\"attributes\":{\"a\":[1,{\"b\":2}]},\"metadata\":{\"src\":\"x\",\"width\":3},\"unknown\":1}");
        assertEquals("alice", m.get("sender"));
        assertEquals("bob", m.get("recipient"));
        assertEquals("Alice", m.get("sender_fullname"));
        assertEquals("Bob", m.get("recipient_fullname"));
        assertEquals("hi", m.get("text"));
        assertEquals("text", m.get("type"));
        assertEquals("direct", m.get("channel_type"));
        assertEquals("tilechat", m.get("app_id"));
        assertEquals(NOW, m.get("timestamp"));
        assertEquals(0, m.get("status"));
        assertTrue(((String) m.get("message_id")).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"));
        assertEquals(Map.of("a", List.of(1, Map.of("b", 2))), m.get("attributes"));
        assertEquals(Map.of("src", "x", "width", 3), m.get("metadata"));
        assertFalse(m.containsKey("unknown"));
    }

    @Test
    void recipientContainingGroupMakesAGroupMessage() {
        var m = build(alice, "{\"sender_fullname\":\"A\",\"recipient_id\":\"group-1\",\"recipient_fullname\":\"G\"}");
        assertEquals("group", m.get("channel_type"));
        var explicit = build(alice, "{\"sender_fullname\":\"A\",\"recipient_id\":\"team1\",\"recipient_fullname\":\"G\",\"channel_type\":\"group\"}");
        assertEquals("group", explicit.get("channel_type"));
    }

    @Test
    void clientTimestampAndTypeAreKept() {
        var m = build(alice, "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"timestamp\":123,\"type\":\"image\"}");
        assertEquals(123L, m.get("timestamp"));
        assertEquals("image", m.get("type"));
    }

    @Test
    void senderIdIsForAdminsOnly() {
        String body = "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"sender_id\":\"system\"}";
        assertEquals(403, assertThrows(ApiException.class, () -> build(alice, body)).status());
        assertEquals("system", build(admin, body).get("sender"));
        String own = "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"sender_id\":\"alice\"}";
        assertEquals("alice", build(alice, own).get("sender"));
        String bad = "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"sender_id\":\"x.y\"}";
        assertEquals(400, assertThrows(ApiException.class, () -> build(admin, bad)).status());
    }

    @Test
    void idempotencyKeyGivesTheSameIdForTheSameSender() {
        byte[] body = "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var a1 = factory.build(alice, "tilechat", body, "key-1");
        var a2 = factory.build(alice, "tilechat", body, "key-1");
        var a3 = factory.build(alice, "tilechat", body, "key-2");
        var other = factory.build(new Caller("carl", "tilechat", false), "tilechat", body, "key-1");
        assertEquals(a1.get("message_id"), a2.get("message_id"));
        assertNotEquals(a1.get("message_id"), a3.get("message_id"));
        assertNotEquals(a1.get("message_id"), other.get("message_id"));
        assertEquals(400, assertThrows(ApiException.class, () -> factory.build(alice, "tilechat", body, "has space")).status());
    }

    @Test
    void refusesBadInput() {
        for (String bad : List.of("", "nope", "[]", "null", "{}",
                "{\"sender_fullname\":\"A\",\"recipient_fullname\":\"B\"}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\"}",
                "{\"recipient_id\":\"b\",\"recipient_fullname\":\"B\"}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":{\"$ne\":null},\"recipient_fullname\":\"B\"}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"text\":[1]}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"type\":\"a b\"}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"timestamp\":1.5}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"attributes\":[1]}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"attributes\":{\"x\":{\"$set\":1}}}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"metadata\":{\"a.b\":1}}",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\"} trailing",
                "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_id\":\"c.d\",\"recipient_fullname\":\"B\"}",
                "{\"sender_fullname\":\"" + "x".repeat(2000) + "\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\"}")) {
            ApiException e = assertThrows(ApiException.class, () -> build(alice, bad), bad);
            assertEquals(400, e.status(), bad);
        }
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
        String body = "{\"sender_fullname\":\"A\",\"recipient_id\":\"b\",\"recipient_fullname\":\"B\",\"attributes\":" + deep + "}";
        assertEquals(400, assertThrows(ApiException.class, () -> build(alice, body)).status());
    }

    /** Inline group members (Tiledesk's support groups, HTTP and MQTT alike): the same value rule as group_members. */
    @Test
    void inlineGroupMemberValuesAreOneOrTrue() {
        String head = "{\"sender_fullname\":\"A\",\"recipient_id\":\"support-group-1\",\"recipient_fullname\":\"G\","
                + "\"channel_type\":\"group\",\"group\":{\"members\":{\"bob\":";
        var ok = build(alice, head + "true,\"carl\":1}}}");
        assertEquals(Map.of("members", Map.of("bob", 1, "carl", 1)), ok.get("group"));
        for (String bad : new String[] {"{\"$gt\":1}", "0", "2", "\"1\"", "false", "null", "[1]"}) {
            ApiException e = assertThrows(ApiException.class, () -> build(alice, head + bad + "}}}"), bad);
            assertEquals(400, e.status(), bad);
        }
    }
}
