package org.chat21.camel.bridges;

import org.apache.camel.impl.DefaultCamelContext;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Json;
import org.chat21.camel.send.MessageFactory;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BridgeTest {

    static Bridge bridge(String kind, String conversation) {
        Bridge bridge = new Bridge();
        bridge.setId("tg1");
        bridge.setAppId("app1");
        bridge.setConversation(conversation);
        bridge.setKind(kind);
        bridge.setUsers("4242=tessa/Tessa T., 99=bob");
        bridge.setUserPrefix("telegram-");
        bridge.setUnmapped("allow");
        DefaultCamelContext context = new DefaultCamelContext();
        context.getRegistry().bind("messageFactory", new MessageFactory());
        bridge.useContext(context);
        return bridge;
    }

    static byte[] event(String recipientId, String channel, String sender, String text, Map<String, Object> attributes) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("message_id", "m1");
        data.put("sender", sender);
        data.put("sender_fullname", sender + " Name");
        data.put("recipient", "group".equals(channel) ? recipientId : "other");
        data.put("text", text);
        data.put("channel_type", channel);
        data.put("timestamp", 1L);
        if (attributes != null) {
            data.put("attributes", attributes);
        }
        return Json.writeBytes(Map.of("event_type", "x", "app_id", "app1", "recipient_id", recipientId, "data", data));
    }

    @Test
    void aGroupBridgeForwardsTheGroupsOwnCopyOnly() {
        Bridge group = bridge("group", "group-1");
        Map<String, Object> out = group.outgoing(event("group-1", "group", "alice", "hi", null), "message-sent");
        assertEquals("alice Name: hi", out.get("line"));
        assertEquals("group-1", out.get("conversation"));
        assertEquals("alice", out.get("sender"));
        // a member's copy, another group, a direct message, another app: not forwarded
        assertNull(group.outgoing(event("group-1", "group", "alice", "hi", null), "message-delivered"));
        assertNull(group.outgoing(event("group-2", "group", "alice", "hi", null), "message-sent"));
        assertNull(group.outgoing(event("group-1", "direct", "alice", "hi", null), "message-sent"));
        assertNull(group.outgoing(Json.writeBytes(Map.of("app_id", "app2", "recipient_id", "group-1",
                "data", Map.of("channel_type", "group", "text", "x"))), "message-sent"));
        // not a message event at all
        assertNull(group.outgoing(Json.writeBytes(Map.of("app_id", "app1", "recipient_id", "group-1")), "group-updated"));
    }

    @Test
    void aUserBridgeForwardsWhatTheUserSendsAndReceivesInDirectConversations() {
        Bridge user = bridge("user", "carol");
        assertEquals("dave Name: hi", user.outgoing(event("carol", "direct", "dave", "hi", null), "message-delivered").get("line"));
        assertEquals("carol Name: yo", user.outgoing(event("carol", "direct", "carol", "yo", null), "message-sent").get("line"));
        assertNull(user.outgoing(event("carol", "group", "dave", "hi", null), "message-delivered"));
        assertNull(user.outgoing(event("dave", "direct", "carol", "hi", null), "message-delivered"));
        assertNull(user.outgoing(event("carol", "direct", "dave", "hi", null), "message-received"));
    }

    @Test
    void whatCameInThroughTheBridgeInfoMessagesAndEmptyTextStayIn() {
        Bridge group = bridge("group", "group-1");
        assertNull(group.outgoing(event("group-1", "group", "tessa", "hi", Map.of("bridge", "tg1")), "message-sent"));
        assertNull(group.outgoing(event("group-1", "group", "alice", "alice joined", Map.of("subtype", "info")), "message-sent"));
        assertNull(group.outgoing(event("group-1", "group", "alice", "  ", null), "message-sent"));
        // another bridge's message goes on (a Slack message forwarded to Telegram)
        assertEquals("x Name: hi", group.outgoing(event("group-1", "group", "x", "hi", Map.of("bridge", "slack1")), "message-sent").get("line"));
    }

    @Test
    void incomingMessagesAreTheMappedUsersWithStableIds() {
        Bridge group = bridge("group", "group-1");
        Map<String, Object> m = group.incoming("4242", "Tessa Whatever", "hello", "-100-7");
        assertEquals("tessa", m.get("sender"));
        assertEquals("Tessa T.", m.get("sender_fullname"));
        assertEquals("group-1", m.get("recipient"));
        assertEquals("group", m.get("channel_type"));
        assertEquals(Map.of("bridge", "tg1", "bridge_user", "4242"), m.get("attributes"));
        assertEquals(m.get("message_id"), group.incoming("4242", null, "hello", "-100-7").get("message_id"));
        assertNotEquals(m.get("message_id"), group.incoming("4242", null, "hello", "-100-8").get("message_id"));
        // a name defaults to the id
        assertEquals("bob", group.incoming("99", null, "x", "1").get("sender_fullname"));
        // unmapped: an id of its own, safe for routing keys, and the name the system gives
        Map<String, Object> stranger = group.incoming("a.b c", " Stranger ", "x", "2");
        assertEquals("telegram-a_b_c", stranger.get("sender"));
        assertEquals("Stranger", stranger.get("sender_fullname"));
        // nothing to say
        assertNull(group.incoming("4242", null, " ", "3"));
        assertNull(group.incoming(null, null, "x", "3"));
        // a direct bridge sends to its user
        assertEquals("direct", bridge("user", "carol").incoming("4242", null, "x", "4").get("channel_type"));
    }

    @Test
    void unmappedUsersCanBeDropped() {
        Bridge group = bridge("group", "group-1");
        group.setUnmapped("drop");
        assertNull(group.incoming("777", "Who", "x", "1"));
        assertEquals("tessa", group.incoming("4242", null, "x", "1").get("sender"));
    }

    @Test
    void postedMessagesAreCheckedAndEchoesIgnored() {
        Bridge group = bridge("group", "group-1");
        Map<String, Object> posted = group.incomingJson(Json.writeBytes(Map.of("user_id", "99", "text", "hey")));
        assertEquals("hey", posted.get("text"));
        assertEquals("bob", posted.get("sender"));
        assertNull(group.incomingJson(Json.writeBytes(Map.of("user_id", "99", "text", "hey", "chat21", Map.of("bridge", "tg1")))));
        assertThrows(ApiException.class, () -> group.incomingJson(Json.writeBytes(Map.of("text", "hey"))));
        assertThrows(ApiException.class, () -> group.incomingJson(Json.writeBytes(Map.of("user_id", 5, "text", "hey"))));
        assertThrows(ApiException.class, () -> group.incomingJson(Json.writeBytes(Map.of("user_id", "99", "text", ""))));
        assertThrows(ApiException.class, () -> group.incomingJson("[1]".getBytes()));
        assertEquals(Map.of("bridge", "tg1"), Bridge.marked(Map.of("bridge", "tg1", "text", "x")).get("chat21"));
    }

    @Test
    void theSecretIsRequiredAndNoSecretRefusesAll() {
        Bridge bridge = bridge("group", "group-1");
        assertThrows(ApiException.class, () -> bridge.requireSecret("Bearer x"));
        bridge.setSecret("s3cret");
        bridge.requireSecret("Bearer s3cret");
        assertThrows(ApiException.class, () -> bridge.requireSecret("Bearer s3cre"));
        assertThrows(ApiException.class, () -> bridge.requireSecret("s3cret"));
        assertThrows(ApiException.class, () -> bridge.requireSecret(null));
    }

    @Test
    void slackStampsBeforeTheStartAreOld() {
        Bridge bridge = bridge("group", "group-1");
        long now = System.currentTimeMillis();
        assertTrue(bridge.postedSinceStart(String.format("%d.000200", now / 1000 + 5)));
        assertFalse(bridge.postedSinceStart(String.format("%d.000200", now / 1000 - 60)));
        assertFalse(bridge.postedSinceStart("junk"));
        assertFalse(bridge.postedSinceStart(null));
    }

    @Test
    void settingsAreChecked() {
        Bridge bridge = new Bridge();
        assertThrows(IllegalArgumentException.class, () -> bridge.setKind("channel"));
        assertThrows(IllegalArgumentException.class, () -> bridge.setUnmapped("maybe"));
        assertThrows(ApiException.class, () -> bridge.setConversation("a.b"));
        assertThrows(IllegalArgumentException.class, () -> bridge.setUsers("nobody"));
        assertThrows(ApiException.class, () -> bridge.setUsers("1=has space"));
    }

    @Test
    void longOrOddExternalIdsMakeValidKeys() {
        assertEquals("bridge:tg1:-100-7", BridgeUsers.idempotencyKey("tg1", "-100-7"));
        String hashed = BridgeUsers.idempotencyKey("tg1", "x".repeat(200));
        assertTrue(hashed.startsWith("bridge:") && hashed.length() < 128, hashed);
        assertNotEquals(hashed, BridgeUsers.idempotencyKey("tg1", "y".repeat(200)));
        assertTrue(BridgeUsers.idempotencyKey("tg1", "é").matches("bridge:[0-9a-f]{64}"));
        assertEquals(128, BridgeUsers.unmapped("p-", "z".repeat(300), null).id().length());
    }
}
