package org.chat21.camel.webhooks;

import org.chat21.camel.delivery.TimelinePublisher.Publication;
import org.chat21.camel.observer.ClientTopic;
import org.chat21.camel.webhooks.WebhookEvents.Event;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebhookEventsTest {
    static final Set<String> ALL = Set.copyOf(WebhookEvents.ALL);

    static Map<String, Object> copy(String timelineOf, String conversWith, int status) {
        Map<String, Object> copy = new LinkedHashMap<>();
        copy.put("message_id", "m1");
        copy.put("app_id", "app");
        copy.put("timelineOf", timelineOf);
        copy.put("conversWith", conversWith);
        copy.put("sender", "alice");
        copy.put("text", "hi");
        copy.put("status", status);
        return copy;
    }

    @Test
    void copiesBecomeSentAndDeliveredEventsWithStableIds() {
        List<Event> events = WebhookEvents.ofCopies(List.of(copy("alice", "bob", 100), copy("bob", "alice", 150)), ALL, 42);
        assertEquals(2, events.size());
        Event sent = events.get(0);
        assertEquals("message-sent", sent.type());
        assertEquals("message-sent.app.alice", sent.routingKey());
        assertEquals(Map.of("topic", "apps.app.users.alice.messages.bob.clientadded"), sent.json().get("extras"));
        assertEquals("alice", sent.json().get("recipient_id"));
        assertEquals(42L, sent.json().get("createdAt"));
        assertEquals("message-delivered", events.get(1).type());
        assertEquals("bob", events.get(1).json().get("recipient_id"));
        // told again (a batch delivered twice): the same ids; different events: different ids
        List<Event> again = WebhookEvents.ofCopies(List.of(copy("alice", "bob", 100), copy("bob", "alice", 150)), ALL, 99);
        assertEquals(sent.id(), again.get(0).id());
        assertNotEquals(sent.id(), events.get(1).id());
    }

    @Test
    void onlySubscribedTypesAreBuilt() {
        List<Event> events = WebhookEvents.ofCopies(List.of(copy("alice", "bob", 100), copy("bob", "alice", 150)),
                Set.of("message-delivered"), 1);
        assertEquals(1, events.size());
        assertEquals("message-delivered", events.get(0).type());
    }

    @Test
    void aReceiptTellsTheReaderAndTheSender() {
        ClientTopic topic = ClientTopic.parse("apps.app.users.bob.messages.alice.m1.update", ClientTopic.Kind.RECEIPT);
        List<Event> events = WebhookEvents.ofReceipt(topic, List.of(new Publication(
                "apps.app.users.alice.messages.bob.m1.clientupdated", Map.of("status", 250))), ALL, 1);
        assertEquals(List.of("message-received", "message-return-receipt"), events.stream().map(Event::type).toList());
        assertEquals("bob", events.get(0).json().get("recipient_id"));
        assertEquals(200, ((Map<?, ?>) events.get(0).json().get("data")).get("status"));
        assertEquals("alice", events.get(1).json().get("recipient_id"));
        assertEquals(250, ((Map<?, ?>) events.get(1).json().get("data")).get("status"));
        // nothing marked: nothing told
        assertTrue(WebhookEvents.ofReceipt(topic, List.of(), ALL, 1).isEmpty());
    }

    @Test
    void anArchiveIsToldInTheOriginalShape() {
        Map<String, Object> conversation = Map.of("timelineOf", "bob", "conversWith", "support-group-1", "archived", true);
        List<Event> events = WebhookEvents.ofConversationChange(List.of(
                new Publication("apps.app.users.bob.conversations.support-group-1.clientdeleted", conversation),
                new Publication("apps.app.users.bob.archived_conversations.support-group-1.clientadded", conversation)), ALL, 1);
        assertEquals(1, events.size());
        Map<String, Object> json = events.get(0).json();
        assertEquals("conversation-archived", json.get("event_type"));
        assertEquals("bob", json.get("user_id"));
        assertEquals("support-group-1", json.get("recipient_id"));
        assertEquals("support-group-1", json.get("convers_with"));
        assertEquals(conversation, json.get("data"));
    }

    @Test
    void unarchivedPresenceAndGroupEvents() {
        Event unarchived = WebhookEvents.unarchived(copy("bob", "alice", 150), 1);
        assertEquals("conversation-unarchived.app.bob", unarchived.routingKey());
        assertEquals(false, ((Map<?, ?>) unarchived.json().get("data")).get("archived"));
        assertEquals(unarchived.id(), WebhookEvents.unarchived(copy("bob", "alice", 150), 2).id());

        Event presence = WebhookEvents.presence(Map.of("app_id", "app", "user_id", "bob", "client_id", "c1",
                "presence", "offline", "createdAt", 7L), 1);
        assertEquals(Map.of("event_type", "presence-change", "presence", "offline", "createdAt", 7L, "app_id", "app",
                "user_id", "bob", "data", true), presence.json());

        Event group = WebhookEvents.group("group-created", Map.of("uid", "g1", "appId", "app", "name", "Team"), 1);
        assertEquals("group-created.app.g1", group.routingKey());
        assertEquals("g1", group.json().get("recipient_id"));
    }

    @Test
    void eventNamesAreChecked() {
        assertEquals(ALL, WebhookEvents.parseTypes(""));
        assertEquals(Set.of("message-sent", "conversation-unarchived"),
                WebhookEvents.parseTypes(" message-sent, conversation-unarchived ,"));
        assertThrows(IllegalArgumentException.class, () -> WebhookEvents.parseTypes("message-sent,new-message"));
    }

    @Test
    void endpointsAreCheckedAndGetStableQueues() {
        assertEquals(List.of("http://a/x", "https://b/y"), WebhookEndpoints.parseUrls("http://a/x, https://b/y,,http://a/x"));
        assertThrows(IllegalArgumentException.class, () -> WebhookEndpoints.parseUrls("ftp://a/x"));
        assertThrows(IllegalArgumentException.class, () -> WebhookEndpoints.parseUrls("not a url"));
        assertEquals(WebhookEndpoints.queueName("p", "http://a/x"), WebhookEndpoints.queueName("p", "http://a/x"));
        assertNotEquals(WebhookEndpoints.queueName("p", "http://a/x"), WebhookEndpoints.queueName("p", "http://a/y"));
        assertEquals(List.of("#"), WebhookEndpoints.bindingKeys(ALL));
        assertEquals(List.of("message-sent.#", "conversation-unarchived.#"),
                WebhookEndpoints.bindingKeys(Set.of("conversation-unarchived", "message-sent")));
    }

    @Test
    void theSignatureIsTheHmacOfTheBody() {
        // RFC 4231 test case 2
        String hex = new WebhookSignature("Jefe").sign("what do ya want for nothing?".getBytes(StandardCharsets.UTF_8));
        assertEquals("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", hex);
        assertEquals(null, new WebhookSignature("").sign(new byte[] {1}));
    }
}
