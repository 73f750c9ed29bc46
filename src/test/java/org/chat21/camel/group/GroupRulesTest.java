package org.chat21.camel.group;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupRulesTest {
    static final Caller ALICE = new Caller("alice", "app", false);
    static final Caller ADMIN = new Caller("boss", "app", true);

    static ObjectNode body(String json) {
        return Json.parseObject(json);
    }

    static Map<String, Object> group(String owner, String... members) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String member : members) {
            m.put(member, 1);
        }
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("name", "G");
        g.put("uid", "group-1");
        g.put("appId", "app");
        g.put("owner", owner);
        g.put("members", m);
        return g;
    }

    @Test
    void aUserCreatesAGroupTheyOwnAndBelongTo() {
        Map<String, Object> g = GroupRules.newGroup(ALICE, "app",
                body("{\"group_name\":\"Team\",\"group_members\":{\"bob\":1,\"carl\":true}}"), 42, 100);
        assertEquals(List.of("name", "uid", "appId", "owner", "members", "createdOn", "updatedOn"), List.copyOf(g.keySet()));
        assertTrue(((String) g.get("uid")).startsWith("group-"));
        assertEquals("alice", g.get("owner"));
        assertEquals(Map.of("bob", 1, "carl", 1, "alice", 1), g.get("members"));
        assertEquals(42L, g.get("createdOn"));
    }

    @Test
    void adminsMayNameTheOwnerAndAreNotAdded() {
        Map<String, Object> g = GroupRules.newGroup(ADMIN, "app",
                body("{\"group_name\":\"T\",\"group_id\":\"support-group-x\",\"group_owner\":\"bob\",\"group_members\":{\"bob\":1}}"),
                1, 100);
        assertEquals("bob", g.get("owner"));
        assertEquals("support-group-x", g.get("uid"));
        assertEquals(Set.of("bob"), ((Map<?, ?>) g.get("members")).keySet());
        ApiException e = assertThrows(ApiException.class, () -> GroupRules.newGroup(ALICE, "app",
                body("{\"group_name\":\"T\",\"group_owner\":\"bob\",\"group_members\":{}}"), 1, 100));
        assertEquals(403, e.status());
    }

    @Test
    void badCreateRequestsAre400() {
        for (String bad : List.of("{\"group_members\":{}}", "{\"group_name\":\"\",\"group_members\":{}}",
                "{\"group_name\":\"T\"}", "{\"group_name\":\"T\",\"group_members\":[\"a\"]}",
                "{\"group_name\":\"T\",\"group_members\":{\"a*\":1}}", "{\"group_name\":\"T\",\"group_members\":{},\"group_id\":\"x y\"}",
                "{\"group_name\":\"T\",\"group_members\":{\"a\":1,\"b\":1,\"c\":1}}")) {
            ApiException e = assertThrows(ApiException.class, () -> GroupRules.newGroup(ALICE, "app", body(bad), 1, 2), bad);
            assertEquals(400, e.status(), bad);
        }
    }

    @Test
    void permissions() {
        Map<String, Object> g = group("alice", "alice", "bob");
        Caller bob = new Caller("bob", "app", false);
        Caller eve = new Caller("eve", "app", false);
        GroupRules.requireMemberOrAdmin(bob, g);
        GroupRules.requireMemberOrAdmin(ADMIN, g);
        assertEquals(403, assertThrows(ApiException.class, () -> GroupRules.requireMemberOrAdmin(eve, g)).status());
        GroupRules.requireOwnerOrAdmin(ALICE, g);
        assertEquals(403, assertThrows(ApiException.class, () -> GroupRules.requireOwnerOrAdmin(bob, g)).status());
        GroupRules.requireMayRemove(bob, g, "bob");
        GroupRules.requireMayRemove(ALICE, g, "bob");
        assertEquals(403, assertThrows(ApiException.class, () -> GroupRules.requireMayRemove(bob, g, "alice")).status());
    }

    @Test
    @SuppressWarnings("unchecked")
    void creationNoticesAndLabels() {
        var notices = GroupRules.creationNotices(group("alice", "alice", "bob"),
                id -> id.equals("bob") ? new Contacts.Name("Bob", "B", "Bob B") : Contacts.fallback(id));
        assertEquals(List.of("Group created", "alice joined group on creation", "Bob B joined group on creation"),
                notices.stream().map(GroupRules.Notice::text).toList());
        assertEquals(Map.of("key", "GROUP_CREATED", "parameters", Map.of("creator", "alice")), notices.get(0).label());
        assertEquals(Map.of("member_id", "bob", "fullname", "Bob B", "firstname", "Bob", "lastname", "B"),
                notices.get(2).label().get("parameters"));
        assertEquals("Bob added to group", GroupRules.joinNotice("bob", new Contacts.Name("Bob", "B", "Bob B")).text());
        assertEquals("carl added to group", GroupRules.joinNotice("carl", Contacts.fallback("carl")).text());
        assertEquals("bob removed from group", GroupRules.leaveNotice("bob").text());
        Map<String, Object> attributes = GroupRules.infoAttributes(notices.get(0).label());
        assertEquals("info", attributes.get("subtype"));
        assertEquals(true, attributes.get("updateconversation"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void updatesAndHistory() {
        Map<String, Object> g = group("alice", "alice");
        assertEquals("apps.app.users.bob.groups.group-1.clientupdated", GroupRules.updateRoutingKey("app", "bob", "group-1"));
        Map<String, Object> body = GroupRules.updateBody(g, GroupRules.leftLabel("bob"));
        assertEquals(Map.of("messagelabel", Map.of("key", "MEMBER_LEFT_GROUP", "parameters", Map.of("member_id", "bob"))),
                body.get("notification"));
        assertFalse(g.containsKey("notification"), "the stored group is not changed");
        assertFalse(GroupRules.updateBody(g, null).containsKey("notification"));

        Map<String, Object> plain = new LinkedHashMap<>(Map.of("message_id", "m1", "text", "hi", "timelineOf", "group-1",
                "conversWith", "group-1", "status", 100, "_id", "x"));
        Map<String, Object> forced = new LinkedHashMap<>(Map.of("message_id", "m2", "text", "!", "timelineOf", "group-1",
                "conversWith", "group-1", "status", 100, "attributes", Map.of("forcenotification", true)));
        var copies = GroupRules.historyCopies(List.of(plain, forced), "dan", "group-1");
        assertEquals("dan", copies.get(0).get("timelineOf"));
        assertEquals("group-1", copies.get(0).get("conversWith"));
        assertEquals(150, copies.get(0).get("status"));
        assertEquals("true", copies.get(0).get("__history"));
        assertNull(copies.get(0).get("_id"));
        assertEquals(false, ((Map<String, Object>) copies.get(0).get("attributes")).get("sendnotification"));
        assertNull(((Map<String, Object>) copies.get(1).get("attributes")).get("sendnotification"));
        assertEquals(Set.of("c"), GroupRules.added(Set.of("a", "b"), Set.of("a", "c")));
    }
}
