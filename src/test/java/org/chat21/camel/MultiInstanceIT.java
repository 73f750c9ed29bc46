package org.chat21.camel;

import org.bson.Document;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.chat21.camel.GroupsIT.unique;
import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances of the service sharing one RabbitMQ and one store: a membership change made through one
 * is seen by the other's (cached) group delivery before its next delivery to that group. A message is
 * delivered by the instance that accepted it, so sending through an instance picks who delivers.
 */
@RequiresRabbitMQ
class MultiInstanceIT {
    static ServiceHarness a;
    static ServiceHarness b;

    @BeforeAll
    static void start() throws Exception {
        a = new ServiceHarness();
        b = ServiceHarness.secondInstance(a);
    }

    @AfterAll
    static void stop() throws Exception {
        b.close();
        a.close();
    }

    static void send(ServiceHarness via, String from, String group, String text) {
        assertEquals(200, via.post("/api/" + via.appId + "/messages", via.user(from), Json.write(Map.of(
                "sender_fullname", from, "recipient_id", group, "recipient_fullname", "G", "text", text))).statusCode());
    }

    static long copies(String text) {
        return a.db.getCollection("messages").countDocuments(new Document("text", text));
    }

    @Test
    void membershipChangesOnOneInstanceReachTheOthersCache() throws Exception {
        String app = a.appId;
        String owner = unique("own");
        String member = unique("m");
        String late = unique("late");
        String group = unique("group-");
        // created through A; sent through B, which delivers, so B caches the membership
        {
            assertEquals(201, a.post("/api/" + app + "/groups", a.user(owner), Json.write(Map.of("group_id", group,
                    "group_name", "Shared", "group_members", Map.of(member, 1)))).statusCode());
            send(b, owner, group, "one");
            waitUntil(() -> copies("one") == 3, 5000, "B delivered to owner, member and the group timeline");

            try (var sub = new ServiceHarness.Subscriber("apps." + app + ".users." + late + ".#")) {
                // the change goes through A; B's next delivery to the group must include the new member
                assertEquals(200, a.post("/api/" + app + "/groups/" + group + "/members", a.user(owner),
                        Json.write(Map.of("member_id", late))).statusCode());
                send(b, owner, group, "two");
                waitUntil(() -> copies("two") == 4, 5000, "B delivered to the new member too");
                assertTrue(sub.take(20, 3000).stream().anyMatch(r -> "two".equals(r.body().get("text"))
                        && r.routingKey().equals("apps." + app + ".users." + late + ".messages." + group + ".clientadded")));

                // and a removal through B is seen by A, which delivers now
                send(a, owner, group, "three");
                waitUntil(() -> copies("three") == 4, 5000, "A cached the membership");
                assertEquals(200, b.request("DELETE", "/api/" + app + "/groups/" + group + "/members/" + late,
                        b.user(late), null).statusCode());
                send(a, owner, group, "four");
                waitUntil(() -> copies("four") == 3, 5000, "A no longer delivers to the member who left");
                Thread.sleep(300);
                assertEquals(3, copies("four"));
                assertEquals(List.of(), a.db.getCollection("messages").find(new Document("text", "four")
                        .append("timelineOf", late)).into(new java.util.ArrayList<>()));
            }
        }
    }
}
