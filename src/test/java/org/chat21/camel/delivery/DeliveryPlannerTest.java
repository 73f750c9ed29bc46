package org.chat21.camel.delivery;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryPlannerTest {
    final DeliveryPlanner planner = new DeliveryPlanner();

    static Map<String, Object> message(String sender, String recipient, String channel, Map<String, Object> attributes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message_id", "m1");
        m.put("app_id", "tilechat");
        m.put("sender", sender);
        m.put("recipient", recipient);
        m.put("text", "hello");
        m.put("channel_type", channel);
        m.put("timestamp", 5L);
        m.put("status", 0);
        if (attributes != null) {
            m.put("attributes", attributes);
        }
        return m;
    }

    static Map<String, Integer> statusByTimeline(List<Map<String, Object>> copies) {
        return copies.stream().collect(Collectors.toMap(c -> (String) c.get("timelineOf"), c -> (Integer) c.get("status")));
    }

    @Test
    void directMakesSenderAndRecipientCopies() {
        var copies = planner.planDirect(message("alice", "bob", "direct", null));
        assertEquals(Map.of("alice", 100, "bob", 150), statusByTimeline(copies));
        assertEquals("bob", copies.get(0).get("conversWith"));
        assertEquals("alice", copies.get(1).get("conversWith"));
        assertEquals("apps.tilechat.users.alice.messages.bob.clientadded", DeliveryPlanner.routingKey(copies.get(0)));
        assertEquals("apps.tilechat.users.bob.messages.alice.clientadded", DeliveryPlanner.routingKey(copies.get(1)));
        assertEquals("hello", copies.get(1).get("text"));
    }

    @Test
    void messageToSelfIsOneCopy() {
        assertEquals(Map.of("alice", 100), statusByTimeline(planner.planDirect(message("alice", "alice", "direct", null))));
    }

    @Test
    void groupMakesMemberCopiesAndTheGroupTimeline() {
        Map<String, Object> group = Map.of("uid", "group-1", "members", Map.of("alice", 1, "bob", 1, "carl", 1));
        var copies = planner.planGroup(message("alice", "group-1", "group", null), group);
        assertEquals(Map.of("alice", 150, "bob", 150, "carl", 150, "group-1", 100), statusByTimeline(copies));
        assertTrue(copies.stream().allMatch(c -> "group-1".equals(c.get("conversWith"))));
        assertTrue(copies.stream().map(DeliveryPlanner::routingKey)
                .anyMatch("apps.tilechat.users.group-1.messages.group-1.clientadded"::equals));
    }

    @Test
    void hiddenForMembersGetNoCopy() {
        Map<String, Object> group = Map.of("members", Map.of("alice", 1, "bob", 1, "carl", 1));
        var copies = planner.planGroup(message("alice", "group-1", "group", Map.of("hiddenFor", List.of("bob", "carl"))), group);
        assertEquals(Map.of("alice", 150, "group-1", 100), statusByTimeline(copies));
        var single = planner.planGroup(message("alice", "group-1", "group", Map.of("hiddenFor", "bob")), group);
        assertFalse(statusByTimeline(single).containsKey("bob"));
    }

    @Test
    void missingGroupReachesSenderAndGroupTimelineOnly() {
        var copies = planner.planGroup(message("alice", "group-1", "group", null), null);
        assertEquals(Map.of("alice", 100, "group-1", 100), statusByTimeline(copies));
    }

    @Test
    void unroutableMemberIdsAreSkipped() {
        Map<String, Object> group = Map.of("members", Map.of("alice", 1, "evil.#", 1, "x*", 1));
        assertEquals(Map.of("alice", 150, "group-1", 100),
                statusByTimeline(planner.planGroup(message("alice", "group-1", "group", null), group)));
    }

    @Test
    void conversationDocumentAndUpdateFlag() {
        var copy = planner.planDirect(message("alice", "bob", "direct", null)).get(1);
        var conversation = DeliveryPlanner.conversationOf(copy);
        assertEquals("alice", conversation.get("key"));
        assertEquals("alice", conversation.get("conversWith"));
        assertEquals(true, conversation.get("is_new"));
        assertEquals(false, conversation.get("archived"));
        assertEquals("hello", conversation.get("last_message_text"));
        assertEquals("m1", conversation.get("message_id"));
        assertTrue(DeliveryPlanner.updatesConversation(message("a", "b", "direct", null)));
        assertTrue(DeliveryPlanner.updatesConversation(message("a", "b", "direct", Map.of("updateconversation", true))));
        assertFalse(DeliveryPlanner.updatesConversation(message("a", "b", "direct", Map.of("updateconversation", false))));
    }

    @Test
    void copiesDoNotShareStateWithTheMessage() {
        var m = message("alice", "bob", "direct", null);
        var copies = planner.planDirect(m);
        assertEquals(0, m.get("status"));
        assertFalse(m.containsKey("timelineOf"));
        copies.get(0).put("text", "changed");
        assertEquals("hello", copies.get(1).get("text"));
    }
}
