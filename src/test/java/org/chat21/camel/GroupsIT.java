package org.chat21.camel;

import com.mongodb.client.model.Filters;
import com.sun.net.httpserver.HttpServer;
import org.bson.Document;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The groups API (spec 6) through HTTP, watching RabbitMQ the way members' clients do. Member names come
 * from a real contacts service (a local HTTP server) that knows some users and not others.
 */
@RequiresRabbitMQ
class GroupsIT {
    static ServiceHarness svc;
    static HttpServer contacts;
    static String app;

    @BeforeAll
    static void start() throws Exception {
        contacts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        contacts.createContext("/users/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/users/".length());
            byte[] body = ("{\"firstname\":\"First-" + id + "\",\"lastname\":\"Last\"}").getBytes(StandardCharsets.UTF_8);
            int status = id.startsWith("anon") ? 404 : 200;
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        contacts.start();
        svc = new ServiceHarness(Map.of("chat21.contacts.endpoint",
                "http://127.0.0.1:" + contacts.getAddress().getPort() + "/users"), null);
        app = svc.appId;
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
        contacts.stop(0);
    }

    static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 6);
    }

    static String groupsPath() {
        return "/api/" + app + "/groups";
    }

    static ServiceHarness.Subscriber watch(String... users) throws Exception {
        String[] bindings = new String[users.length];
        for (int i = 0; i < users.length; i++) {
            bindings[i] = "apps." + app + ".users." + users[i] + ".#";
        }
        return new ServiceHarness.Subscriber(bindings);
    }

    /** Creates a group owned by {@code owner} with these other members; answers the group id. */
    static String create(String owner, String... members) {
        String id = unique("group-");
        Map<String, Object> m = new LinkedHashMap<>();
        for (String member : members) {
            m.put(member, 1);
        }
        HttpResponse<String> r = svc.post(groupsPath(), svc.user(owner),
                Json.write(Map.of("group_id", id, "group_name", "Team " + id, "group_members", m)));
        assertEquals(201, r.statusCode(), r.body());
        return id;
    }

    /** Collects deliveries until {@code done} holds (or the time is up). */
    static List<ServiceHarness.Received> collect(ServiceHarness.Subscriber sub, java.util.function.Predicate<List<ServiceHarness.Received>> done)
            throws InterruptedException {
        List<ServiceHarness.Received> got = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 8000;
        while (!done.test(got) && System.currentTimeMillis() < deadline) {
            got.addAll(sub.take(1, Math.max(1, deadline - System.currentTimeMillis())));
        }
        return got;
    }

    static List<ServiceHarness.Received> withKey(List<ServiceHarness.Received> got, String suffix) {
        return got.stream().filter(r -> r.routingKey().endsWith(suffix)).collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> label(Map<String, Object> message) {
        return (Map<String, Object>) ((Map<String, Object>) message.get("attributes")).get("messagelabel");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> notification(Map<String, Object> group) {
        return (Map<String, Object>) ((Map<String, Object>) group.get("notification")).get("messagelabel");
    }

    static Document stored(String groupId) {
        return svc.db.getCollection("groups").find(new Document("uid", groupId).append("appId", app)).first();
    }

    @Test
    @SuppressWarnings("unchecked")
    void createStoresTheGroupAndSendsTheInfoMessagesToEveryMember() throws Exception {
        String owner = unique("own");
        String m1 = unique("m");
        String m2 = unique("anon");
        try (var sub = watch(owner, m1, m2)) {
            Map<String, Object> members = new LinkedHashMap<>();
            members.put(m1, 1);
            members.put(m2, 1);
            HttpResponse<String> r = svc.post(groupsPath(), svc.user(owner), Json.write(Map.of("group_name", "Crew",
                    "group_members", members, "attributes", Map.of("topic", "x"))));
            assertEquals(201, r.statusCode(), r.body());
            Map<String, Object> body = Json.readMap(r.body());
            assertEquals(true, body.get("success"));
            Map<String, Object> group = (Map<String, Object>) body.get("group");
            String id = (String) group.get("uid");
            assertTrue(id.startsWith("group-"), id);
            assertEquals(List.of("name", "uid", "appId", "owner", "members", "createdOn", "updatedOn", "attributes"),
                    new ArrayList<>(group.keySet()));
            assertEquals(owner, group.get("owner"));
            assertEquals(Set.of(owner, m1, m2), ((Map<String, Object>) group.get("members")).keySet(),
                    "the creator is always a member");
            assertEquals(Map.of("topic", "x"), group.get("attributes"));
            Document doc = stored(id);
            assertNotNull(doc);
            assertEquals("Crew", doc.get("name"));

            // GROUP_CREATED then one MEMBER_JOINED_GROUP per member, to each of the three members
            List<ServiceHarness.Received> got = collect(sub, g -> withKey(g, ".clientadded").size() >= 12);
            List<ServiceHarness.Received> added = withKey(got, ".clientadded");
            assertEquals(12, added.size(), got.toString());
            for (String member : List.of(owner, m1, m2)) {
                List<Map<String, Object>> mine = added.stream()
                        .filter(x -> x.routingKey().equals("apps." + app + ".users." + member + ".messages." + id + ".clientadded"))
                        .map(ServiceHarness.Received::body).collect(Collectors.toList());
                assertEquals(4, mine.size(), member);
                Map<String, Object> created = mine.stream().filter(x -> "GROUP_CREATED".equals(label(x).get("key")))
                        .findFirst().orElseThrow();
                assertEquals("Group created", created.get("text"));
                assertEquals("system", created.get("sender"));
                assertEquals("System", created.get("sender_fullname"));
                assertEquals("Crew", created.get("recipient_fullname"));
                assertEquals("group", created.get("channel_type"));
                assertEquals(150, created.get("status"));
                assertEquals(Map.of("creator", owner), label(created).get("parameters"));
                Map<String, Object> attributes = (Map<String, Object>) created.get("attributes");
                assertEquals("info", attributes.get("subtype"));
                assertEquals(true, attributes.get("updateconversation"));
                Set<String> joinedTexts = mine.stream().filter(x -> "MEMBER_JOINED_GROUP".equals(label(x).get("key")))
                        .map(x -> (String) x.get("text")).collect(Collectors.toCollection(TreeSet::new));
                assertEquals(new TreeSet<>(List.of("First-" + owner + " Last joined group on creation",
                        "First-" + m1 + " Last joined group on creation", m2 + " joined group on creation")), joinedTexts,
                        "names from the contacts service; the id when it does not know the user");
            }
            Map<String, Object> joinedM1 = added.stream().map(ServiceHarness.Received::body)
                    .filter(x -> "MEMBER_JOINED_GROUP".equals(label(x).get("key"))
                            && m1.equals(((Map<String, Object>) label(x).get("parameters")).get("member_id")))
                    .findFirst().orElseThrow();
            assertEquals(Map.of("member_id", m1, "fullname", "First-" + m1 + " Last", "firstname", "First-" + m1,
                    "lastname", "Last"), label(joinedM1).get("parameters"));
            // the group's own timeline keeps the history, and every member has the conversation
            waitUntil(() -> svc.db.getCollection("messages").countDocuments(new Document("timelineOf", id)) == 4, 5000,
                    "group timeline history");
            waitUntil(() -> svc.db.getCollection("conversations").countDocuments(new Document("conversWith", id)) == 4,
                    5000, "conversations of the members and the group");
        }
    }

    @Test
    void createIsValidatedAndOnlyAdminsChooseTheOwner() {
        String owner = unique("own");
        String token = svc.user(owner);
        assertEquals(400, svc.post(groupsPath(), token, Json.write(Map.of("group_members", Map.of("a", 1)))).statusCode());
        assertEquals(400, svc.post(groupsPath(), token, Json.write(Map.of("group_name", "x"))).statusCode());
        assertEquals(400, svc.post(groupsPath(), token, Json.write(Map.of("group_name", "x", "group_members", List.of("a"))))
                .statusCode());
        assertEquals(400, svc.post(groupsPath(), token, Json.write(Map.of("group_name", "x", "group_members",
                Map.of("a.b", 1)))).statusCode(), "member ids end up in routing keys");
        assertEquals(400, svc.post(groupsPath(), token, Json.write(Map.of("group_name", Map.of("$gt", ""),
                "group_members", Map.of("a", 1)))).statusCode());
        assertEquals(400, svc.post(groupsPath(), token, Json.write(Map.of("group_name", "x", "group_id", "g#1",
                "group_members", Map.of("a", 1)))).statusCode());
        assertEquals(403, svc.post(groupsPath(), token, Json.write(Map.of("group_name", "x", "group_owner", "someone",
                "group_members", Map.of("a", 1)))).statusCode());
        assertEquals(401, svc.post(groupsPath(), null, Json.write(Map.of("group_name", "x", "group_members", Map.of("a", 1))))
                .statusCode());
        assertEquals(403, svc.post(groupsPath(), TestTokens.user(owner, "otherapp"), Json.write(Map.of("group_name", "x",
                "group_members", Map.of("a", 1)))).statusCode());

        String id = create(owner, "a");
        HttpResponse<String> again = svc.post(groupsPath(), token, Json.write(Map.of("group_id", id, "group_name", "y",
                "group_members", Map.of("b", 1))));
        assertEquals(409, again.statusCode(), again.body());
        assertEquals("Team " + id, stored(id).get("name"), "the existing group is untouched");

        // an admin creates for someone else, and is not added
        String adminGroup = unique("group-");
        HttpResponse<String> byAdmin = svc.post(groupsPath(), TestTokens.admin("boss", app), Json.write(Map.of(
                "group_id", adminGroup, "group_name", "Ops", "group_owner", owner, "group_members", Map.of(owner, 1))));
        assertEquals(201, byAdmin.statusCode(), byAdmin.body());
        assertEquals(owner, stored(adminGroup).get("owner"));
        assertEquals(Set.of(owner), stored(adminGroup).get("members", Document.class).keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void getIsForMembersAndAdminsOfTheSameApp() {
        String owner = unique("own");
        String member = unique("m");
        String id = create(owner, member);
        String path = groupsPath() + "/" + id;
        HttpResponse<String> r = svc.get(path, svc.user(member));
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> group = DeliveryIT.result(r);
        assertEquals(id, group.get("uid"));
        assertEquals(Set.of(owner, member), ((Map<String, Object>) group.get("members")).keySet());
        assertEquals(200, svc.get(path, TestTokens.admin("boss", app)).statusCode());
        assertEquals(403, svc.get(path, svc.user(unique("stranger"))).statusCode());
        assertEquals(404, svc.get(groupsPath() + "/group-nope", svc.user(member)).statusCode());
        assertEquals(403, svc.get(path, TestTokens.admin("boss", "otherapp")).statusCode(), "another tenant's token");
        // another tenant with a group of the same id sees only its own
        svc.db.getCollection("groups").insertOne(new Document("uid", id).append("appId", "otherapp").append("name", "Theirs")
                .append("owner", "x").append("members", new Document("x", 1)));
        assertEquals("Team " + id, DeliveryIT.result(svc.get(path, svc.user(owner))).get("name"));
        assertEquals(404, svc.get("/api/otherapp/groups/" + unique("group-"), TestTokens.user("x", "otherapp")).statusCode());
        assertEquals(400, svc.get(groupsPath() + "/bad.id", svc.user(owner)).statusCode());
    }

    @Test
    @SuppressWarnings("unchecked")
    void joinAddsTheMemberNotifiesEveryoneAndReplaysTheHistory() throws Exception {
        String owner = unique("own");
        String member = unique("m");
        String joiner = unique("j");
        String id = create(owner, member);
        // some group history first
        for (int i = 0; i < 3; i++) {
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("sender_fullname", "M");
            msg.put("recipient_id", id);
            msg.put("recipient_fullname", "Team");
            msg.put("text", "before " + i);
            msg.put("channel_type", "group");
            if (i == 2) {
                msg.put("attributes", Map.of("forcenotification", true));
            }
            assertEquals(200, svc.post("/api/" + app + "/messages", svc.user(member), Json.write(msg)).statusCode());
        }
        waitUntil(() -> svc.db.getCollection("messages").countDocuments(new Document("timelineOf", id)) == 6, 5000,
                "history stored");
        try (var sub = watch(owner, member, joiner)) {
            String path = groupsPath() + "/" + id + "/members";
            assertEquals(403, svc.post(path, svc.user(member), Json.write(Map.of("member_id", joiner))).statusCode(),
                    "a plain member may not add");
            assertEquals(400, svc.post(path, svc.user(owner), Json.write(Map.of("member_id", "a/b"))).statusCode());
            assertEquals(400, svc.post(path, svc.user(owner), Json.write(Map.of("member", joiner))).statusCode());
            assertEquals(404, svc.post(groupsPath() + "/group-none/members", svc.user(owner),
                    Json.write(Map.of("member_id", joiner))).statusCode());
            HttpResponse<String> r = svc.post(path, svc.user(owner), Json.write(Map.of("member_id", joiner)));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(Map.of("success", true), Json.readMap(r.body()));
            assertEquals(409, svc.post(path, svc.user(owner), Json.write(Map.of("member_id", joiner))).statusCode());
            assertTrue(stored(id).get("members", Document.class).containsKey(joiner));

            List<ServiceHarness.Received> got = collect(sub, g -> withKey(g, ".clientupdated").size() >= 3
                    && withKey(g, ".clientadded").size() >= 3 + 6);
            // the updated group to every member, the new one included
            List<ServiceHarness.Received> updates = withKey(got, ".clientupdated");
            assertEquals(Set.of(owner, member, joiner), updates.stream().map(u -> u.routingKey()
                    .replace("apps." + app + ".users.", "").replace(".groups." + id + ".clientupdated", ""))
                    .collect(Collectors.toSet()));
            Map<String, Object> update = updates.get(0).body();
            assertEquals(id, update.get("uid"));
            assertTrue(((Map<String, Object>) update.get("members")).containsKey(joiner));
            assertEquals("MEMBER_JOINED_GROUP", notification(update).get("key"));
            assertEquals(joiner, ((Map<String, Object>) notification(update).get("parameters")).get("member_id"));

            // the history replayed into the new member's timeline, oldest first
            List<Map<String, Object>> history = withKey(got, ".clientadded").stream()
                    .filter(x -> x.routingKey().contains(".users." + joiner + ".")).map(ServiceHarness.Received::body)
                    .filter(b -> "true".equals(b.get("__history"))).collect(Collectors.toList());
            // members in the group's order: the ones named, then the creator (as Chat21 adds it)
            assertEquals(List.of("Group created", "First-" + member + " Last joined group on creation",
                    "First-" + owner + " Last joined group on creation", "before 0", "before 1", "before 2"),
                    history.stream().map(b -> b.get("text")).collect(Collectors.toList()));
            for (Map<String, Object> h : history) {
                assertEquals(150, h.get("status"));
                assertEquals(joiner, h.get("timelineOf"));
                assertEquals(id, h.get("conversWith"));
                Map<String, Object> attributes = (Map<String, Object>) h.get("attributes");
                assertEquals("before 2".equals(h.get("text")) ? null : false, attributes.get("sendnotification"),
                        "no push for history unless forced");
            }
            assertEquals(6, svc.db.getCollection("messages").countDocuments(
                    new Document("timelineOf", joiner).append("__history", "true")));

            // "X added to group", to every member, the new one included
            List<ServiceHarness.Received> added = withKey(got, ".clientadded").stream()
                    .filter(x -> ("First-" + joiner + " added to group").equals(x.body().get("text"))).collect(Collectors.toList());
            assertEquals(3, added.size(), got.toString());
            assertEquals("MEMBER_JOINED_GROUP", label(added.get(0).body()).get("key"));

            // what the new member's clients see, in the original's order: the group, the info message, the history
            List<String> seen = got.stream().filter(x -> x.routingKey().contains(".users." + joiner + "."))
                    .map(x -> x.routingKey().endsWith(".clientupdated") ? "group"
                            : "true".equals(x.body().get("__history")) ? "history"
                            : ("First-" + joiner + " added to group").equals(x.body().get("text")) ? "info" : "other")
                    .distinct().collect(Collectors.toList());
            assertEquals(List.of("group", "info", "history"), seen);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void membersLeaveThemselvesOrAreRemovedByTheOwnerOnly() throws Exception {
        String owner = unique("own");
        String a = unique("a");
        String b = unique("b");
        String id = create(owner, a, b);
        String path = groupsPath() + "/" + id + "/members/";
        try (var sub = watch(owner, a, b)) {
            assertEquals(403, svc.request("DELETE", path + b, svc.user(a), null).statusCode(),
                    "a member may not remove another (fix)");
            assertEquals(404, svc.request("DELETE", path + unique("x"), svc.user(owner), null).statusCode());
            HttpResponse<String> r = svc.request("DELETE", path + a, svc.user(a), null);
            assertEquals(200, r.statusCode(), r.body());
            assertFalse(stored(id).get("members", Document.class).containsKey(a));

            List<ServiceHarness.Received> got = collect(sub, g -> withKey(g, ".clientupdated").size() >= 3
                    && g.stream().filter(x -> (a + " removed from group").equals(x.body().get("text"))).count() >= 2);
            // the old members, the one who left among them, get the updated group
            List<ServiceHarness.Received> updates = withKey(got, ".clientupdated");
            assertEquals(3, updates.size());
            assertTrue(updates.stream().anyMatch(u -> u.routingKey().contains(".users." + a + ".groups.")));
            assertEquals("MEMBER_LEFT_GROUP", notification(updates.get(0).body()).get("key"));
            assertEquals(Map.of("member_id", a), notification(updates.get(0).body()).get("parameters"));
            assertFalse(((Map<String, Object>) updates.get(0).body().get("members")).containsKey(a));
            List<ServiceHarness.Received> left = got.stream()
                    .filter(x -> (a + " removed from group").equals(x.body().get("text"))).collect(Collectors.toList());
            assertEquals(Set.of(owner, b), left.stream().map(x -> (String) x.body().get("timelineOf")).collect(Collectors.toSet()),
                    "the info message reaches the remaining members");

            assertEquals(200, svc.request("DELETE", path + b, svc.user(owner), null).statusCode(), "the owner removes");
            assertEquals(200, svc.request("DELETE", path + owner, TestTokens.admin("boss", app), null).statusCode(),
                    "an admin removes");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void setMembersDiffsOldAndNew() throws Exception {
        String owner = unique("own");
        String stays = unique("s");
        String goes = unique("g");
        String comes = unique("c");
        String id = create(owner, stays, goes);
        String path = groupsPath() + "/" + id + "/members";
        Map<String, Object> same = new LinkedHashMap<>();
        for (String m : List.of(owner, stays, goes)) {
            same.put(m, 1);
        }
        assertEquals(400, svc.request("PUT", path, svc.user(owner), Json.write(Map.of("members", same))).statusCode(),
                "no change at all");
        assertEquals(403, svc.request("PUT", path, svc.user(stays), Json.write(Map.of("members", same))).statusCode());
        assertEquals(400, svc.request("PUT", path, svc.user(owner), Json.write(Map.of("members", "x"))).statusCode());
        try (var sub = watch(owner, stays, goes, comes)) {
            Map<String, Object> next = new LinkedHashMap<>();
            for (String m : List.of(owner, stays, comes)) {
                next.put(m, 1);
            }
            HttpResponse<String> r = svc.request("PUT", path, svc.user(owner), Json.write(Map.of("members", next)));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(Set.of(owner, stays, comes), stored(id).get("members", Document.class).keySet());
            // the history comes last (after the group update and the info message, as in the original)
            List<ServiceHarness.Received> got = collect(sub, g -> withKey(g, ".clientupdated").size() >= 3
                    && g.stream().filter(x -> ("First-" + comes + " added to group").equals(x.body().get("text"))).count() >= 3
                    && g.stream().anyMatch(x -> x.routingKey().contains(".users." + comes + ".")
                    && "true".equals(x.body().get("__history"))));
            List<ServiceHarness.Received> updates = withKey(got, ".clientupdated");
            assertEquals(Set.of(owner, stays, goes), updates.stream().map(u -> u.routingKey()
                    .replace("apps." + app + ".users.", "").replace(".groups." + id + ".clientupdated", ""))
                    .collect(Collectors.toSet()), "the original members get the updated group");
            assertFalse(updates.get(0).body().containsKey("notification"));
            assertTrue(got.stream().anyMatch(x -> x.routingKey().contains(".users." + comes + ".")
                    && "true".equals(x.body().get("__history"))), "the added member gets the history");
            assertTrue(got.stream().noneMatch(x -> x.routingKey().contains(".users." + goes + ".messages.")
                    && ("First-" + comes + " added to group").equals(x.body().get("text"))), "the removed one is out");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void renameAndAttributesNotifyTheMembers() throws Exception {
        String owner = unique("own");
        String member = unique("m");
        String id = create(owner, member);
        String path = groupsPath() + "/" + id;
        try (var sub = watch(owner, member)) {
            assertEquals(403, svc.request("PUT", path, svc.user(member), Json.write(Map.of("group_name", "Mine"))).statusCode());
            assertEquals(400, svc.request("PUT", path, svc.user(owner), Json.write(Map.of("group_name", 5))).statusCode());
            assertEquals(404, svc.request("PUT", groupsPath() + "/group-none", svc.user(owner),
                    Json.write(Map.of("group_name", "x"))).statusCode());
            HttpResponse<String> r = svc.request("PUT", path, svc.user(owner), Json.write(Map.of("group_name", "Renamed")));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("Renamed", stored(id).get("name"));
            List<ServiceHarness.Received> got = collect(sub, g -> withKey(g, ".clientupdated").size() >= 2);
            for (ServiceHarness.Received u : withKey(got, ".clientupdated")) {
                assertEquals("Renamed", u.body().get("name"));
                assertEquals("DATA_UPDATED_GROUP", notification(u.body()).get("key"));
                assertEquals(Map.of("group_name", "Renamed"), notification(u.body()).get("parameters"));
            }
            assertFalse(stored(id).containsKey("notification"), "the notification is not stored");

            assertEquals(400, svc.request("PUT", path + "/attributes", svc.user(owner), Json.write(Map.of("attributes", "x")))
                    .statusCode());
            assertEquals(400, svc.request("PUT", path + "/attributes", svc.user(owner),
                    Json.write(Map.of("attributes", Map.of("$where", "1")))).statusCode());
            r = svc.request("PUT", path + "/attributes", TestTokens.admin("boss", app),
                    Json.write(Map.of("attributes", Map.of("color", "red"))));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(new Document("color", "red"), stored(id).get("attributes"));
            got = collect(sub, g -> withKey(g, ".clientupdated").size() >= 2);
            for (ServiceHarness.Received u : withKey(got, ".clientupdated")) {
                assertEquals("ATTRIBUTES_UPDATED_GROUP", notification(u.body()).get("key"));
                assertEquals(Map.of("attributes", Map.of("color", "red")), notification(u.body()).get("parameters"));
            }
        }
    }

    @Test
    void deliveryFollowsMembershipChanges() throws Exception {
        String owner = unique("own");
        String late = unique("late");
        String id = create(owner);
        try (var sub = watch(late)) {
            Map<String, Object> msg = Map.of("sender_fullname", "O", "recipient_id", id, "recipient_fullname", "T",
                    "text", "first");
            assertEquals(200, svc.post("/api/" + app + "/messages", svc.user(owner), Json.write(msg)).statusCode());
            waitUntil(() -> svc.db.getCollection("messages").countDocuments(Filters.eq("text", "first")) == 2, 5000, "first");
            assertEquals(200, svc.post(groupsPath() + "/" + id + "/members", svc.user(owner),
                    Json.write(Map.of("member_id", late))).statusCode());
            assertEquals(200, svc.post("/api/" + app + "/messages", svc.user(owner),
                    Json.write(Map.of("sender_fullname", "O", "recipient_id", id, "recipient_fullname", "T", "text", "second")))
                    .statusCode());
            List<ServiceHarness.Received> got = collect(sub, g -> g.stream().anyMatch(x -> "second".equals(x.body().get("text"))));
            assertTrue(got.stream().anyMatch(x -> "second".equals(x.body().get("text"))
                    && x.routingKey().equals("apps." + app + ".users." + late + ".messages." + id + ".clientadded")));
        }
    }

    @Test
    void groupWideWipesAreForTheOwnerAndAdmins() throws Exception {
        String owner = unique("own");
        String member = unique("m");
        String id = create(owner, member);
        waitUntil(() -> svc.db.getCollection("conversations").countDocuments(new Document("conversWith", id)) == 3, 5000,
                "conversations");
        String base = "/api/" + app + "/" + id;
        assertEquals(403, svc.request("DELETE", base + "/conversations/timelines", svc.user(member), null).statusCode());
        assertEquals(403, svc.request("DELETE", base + "/messages/timelines", svc.user(unique("x")), null).statusCode());
        assertEquals(404, svc.request("DELETE", "/api/" + app + "/group-none/messages/timelines", svc.user(owner), null)
                .statusCode());
        HttpResponse<String> r = svc.request("DELETE", base + "/conversations/timelines", svc.user(owner), null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(0, svc.db.getCollection("conversations").countDocuments(new Document("conversWith", id)));
        assertTrue(svc.db.getCollection("messages").countDocuments(new Document("conversWith", id)) > 0,
                "messages stay");
        r = svc.request("DELETE", base + "/messages/timelines", TestTokens.admin("boss", app), null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(0, svc.db.getCollection("messages").countDocuments(new Document("conversWith", id)));
        assertEquals(200, svc.request("DELETE", "/api/" + app + "/group-gone/messages/timelines",
                TestTokens.admin("boss", app), null).statusCode(), "an admin may clean up after a deleted group");
    }
}
