package org.chat21.camel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The steps of the group routes (spec 6), bound as {@code groups}. Each change step checks the caller,
 * writes the change, and leaves for the shared {@code group-changed} flow what the change produces:
 * the info messages (sent through the normal group delivery), the {@code clientupdated} publishes and a
 * new member's history copies.
 */
public class GroupSteps {
    private static final Logger LOG = LoggerFactory.getLogger(GroupSteps.class);
    public static final String GROUP = "chat21Group";
    public static final String NOTICES = "chat21Notices";
    public static final String HISTORY = "chat21History";

    private final GroupStore store;
    private final ChatStore chat;
    private final GroupChanges changes;
    private final Contacts contacts;
    private final MessageFactory factory;
    private final TimelinePublisher timelines;
    private final Clock clock;
    private final int maxMembers;

    public GroupSteps(GroupStore store, ChatStore chat, GroupChanges changes, Contacts contacts, MessageFactory factory,
                      TimelinePublisher timelines, Clock clock, int maxMembers) {
        this.store = store;
        this.chat = chat;
        this.changes = changes;
        this.contacts = contacts;
        this.factory = factory;
        this.timelines = timelines;
        this.clock = clock;
        this.maxMembers = maxMembers;
    }

    // ---- reading

    public String get(Exchange exchange) {
        Map<String, Object> group = existing(exchange);
        GroupRules.requireMemberOrAdmin(caller(exchange), group);
        return Steps.json(exchange, 200, Steps.success(Json.clientView(group)));
    }

    // ---- changes

    public void create(Exchange exchange) {
        Caller caller = caller(exchange);
        Map<String, Object> group = GroupRules.newGroup(caller, appId(exchange), body(exchange), clock.millis(), maxMembers);
        store.insert(group);
        exchange.setProperty(GROUP, group);
        Contacts.Budget names = contacts.budget();
        notices(exchange, group, GroupRules.creationNotices(group, names::lookup));
        exchange.setProperty(Steps.UPDATES, List.of());
        exchange.removeProperty(HISTORY);
    }

    /** 201 {@code {"success": true, "group": {...}}}: the group as created. */
    @SuppressWarnings("unchecked")
    public String created(Exchange exchange) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("group", Json.clientView(exchange.getProperty(GROUP, Map.class)));
        return Steps.json(exchange, 201, body);
    }

    /** Join (owner or admin): 409 when already a member. */
    public void join(Exchange exchange) {
        Map<String, Object> group = existing(exchange);
        GroupRules.requireOwnerOrAdmin(caller(exchange), group);
        String memberId = Ids.require("member_id", Json.requiredString(body(exchange), "member_id"));
        Map<String, Object> after = store.addMember(appId(exchange), groupId(exchange), memberId, clock.millis());
        if (after == null) {
            throw new ApiException(409, "already a member of this group");
        }
        Contacts.Name name = contacts.lookup(memberId);
        Map<String, Object> label = GroupRules.label(GroupRules.MEMBER_JOINED_GROUP, GroupRules.joinedParameters(memberId, name));
        changed(exchange, after, GroupRules.memberIds(after), label);
        notices(exchange, after, List.of(GroupRules.joinNotice(memberId, name)));
        exchange.setProperty(HISTORY, history(exchange, List.of(memberId)));
    }

    /** The group history to replay, and to whom: one member at a time, so memory stays at one history. */
    public record HistoryReplay(String groupId, List<Map<String, Object>> timeline, List<String> members) {
    }

    /** Leave / remove (owner, admin, or the member itself): 404 when not a member. */
    public void leave(Exchange exchange) {
        Map<String, Object> group = existing(exchange);
        String memberId = exchange.getMessage().getHeader("member_id", String.class);
        GroupRules.requireMayRemove(caller(exchange), group, memberId);
        Map<String, Object> before = store.removeMember(appId(exchange), groupId(exchange), memberId, clock.millis());
        if (before == null) {
            throw new ApiException(404, "not a member of this group");
        }
        Map<String, Object> after = new LinkedHashMap<>(before);
        Map<String, Object> members = new LinkedHashMap<>();
        GroupRules.memberIds(before).stream().filter(m -> !m.equals(memberId)).forEach(m -> members.put(m, 1));
        after.put("members", members);
        after.put("updatedOn", clock.millis());
        // the old members, the one who left among them, get the updated group
        changed(exchange, after, GroupRules.memberIds(before), GroupRules.leftLabel(memberId));
        notices(exchange, after, List.of(GroupRules.leaveNotice(memberId)));
        exchange.removeProperty(HISTORY);
    }

    /** Set members (owner or admin): the original members get the update, every added one the join treatment. */
    public void setMembers(Exchange exchange) {
        Map<String, Object> group = existing(exchange);
        GroupRules.requireOwnerOrAdmin(caller(exchange), group);
        Map<String, Object> members = GroupRules.members(body(exchange), "members", maxMembers);
        Set<String> before = GroupRules.memberIds(group);
        if (before.equals(members.keySet())) {
            throw ApiException.badRequest("the group already has exactly these members");
        }
        Map<String, Object> after = store.set(appId(exchange), groupId(exchange), "members", members, clock.millis());
        existing(after);
        Set<String> added = GroupRules.added(before, members.keySet());
        changed(exchange, after, before, null);
        List<GroupRules.Notice> joins = new ArrayList<>();
        Contacts.Budget names = contacts.budget();
        for (String member : added) {
            joins.add(GroupRules.joinNotice(member, names.lookup(member)));
        }
        notices(exchange, after, joins);
        exchange.setProperty(HISTORY, history(exchange, added));
    }

    /** Rename (owner or admin): the members get the group with {@code DATA_UPDATED_GROUP}. */
    public void rename(Exchange exchange) {
        Map<String, Object> group = existing(exchange);
        GroupRules.requireOwnerOrAdmin(caller(exchange), group);
        String name = GroupRules.name(body(exchange), "group_name");
        Map<String, Object> after = existing(store.set(appId(exchange), groupId(exchange), "name", name, clock.millis()));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("group_name", name);
        changed(exchange, after, GroupRules.memberIds(after), GroupRules.label(GroupRules.DATA_UPDATED_GROUP, parameters));
        exchange.setProperty(NOTICES, List.of());
        exchange.removeProperty(HISTORY);
    }

    /** Replace the attributes (owner or admin): the members get the group with {@code ATTRIBUTES_UPDATED_GROUP}. */
    public void attributes(Exchange exchange) {
        Map<String, Object> group = existing(exchange);
        GroupRules.requireOwnerOrAdmin(caller(exchange), group);
        ObjectNode body = body(exchange);
        Map<String, Object> attributes = Json.optionalObject(body, "attributes");
        if (attributes == null) {
            throw ApiException.badRequest("attributes is required");
        }
        Map<String, Object> after = existing(store.set(appId(exchange), groupId(exchange), "attributes", attributes,
                clock.millis()));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("attributes", attributes);
        changed(exchange, after, GroupRules.memberIds(after),
                GroupRules.label(GroupRules.ATTRIBUTES_UPDATED_GROUP, parameters));
        exchange.setProperty(NOTICES, List.of());
        exchange.removeProperty(HISTORY);
    }

    /** The group-wide wipes (owner or admin; an admin may also wipe what a deleted group left behind). */
    public String wipeConversations(Exchange exchange) {
        requireWipe(exchange);
        store.deleteConversations(appId(exchange), groupId(exchange));
        return Steps.json(exchange, 200, Steps.ok());
    }

    public String wipeMessages(Exchange exchange) {
        requireWipe(exchange);
        store.deleteMessages(appId(exchange), groupId(exchange));
        return Steps.json(exchange, 200, Steps.ok());
    }

    private void requireWipe(Exchange exchange) {
        Caller caller = caller(exchange);
        Map<String, Object> group = store.find(appId(exchange), groupId(exchange));
        if (group == null && !caller.admin()) {
            throw new ApiException(404, "group not found");
        }
        if (group != null) {
            GroupRules.requireOwnerOrAdmin(caller, group);
        }
    }

    // ---- what a change produces (the group-changed flow)

    /**
     * Drops the group from every instance's cache (confirmed by the broker) before anything is delivered.
     * The change is already stored, so if the broker fails right now the request still succeeds: instances
     * that lost their connection clear their caches when they reconnect, and any other cached copy expires
     * within {@code chat21.groups.cache-ttl-ms}.
     */
    @SuppressWarnings("unchecked")
    public void announce(Exchange exchange) {
        Map<String, Object> group = exchange.getProperty(GROUP, Map.class);
        try {
            changes.announce((String) group.get("appId"), (String) group.get("uid"));
        } catch (Exception e) {
            LOG.warn("change of group {} stored but not announced to the other instances: {}", group.get("uid"), e.toString());
        }
    }

    /**
     * Each new member's copies of the group history: stored in their timeline, then published to it (if the
     * broker fails right now the copies are stored all the same, and the client reads them from the API).
     */
    public void replayHistory(Exchange exchange) {
        HistoryReplay replay = exchange.getProperty(HISTORY, HistoryReplay.class);
        if (replay == null || replay.timeline().isEmpty()) {
            return;
        }
        for (String member : replay.members()) {
            List<Map<String, Object>> copies = GroupRules.historyCopies(replay.timeline(), member, replay.groupId());
            chat.writeCopies(copies, false);
            try {
                timelines.publish(copies);
            } catch (Exception e) {
                LOG.warn("history of group {} stored for {} but not published: {}", replay.groupId(), member, e.toString());
            }
        }
    }

    // ---- helpers

    private void changed(Exchange exchange, Map<String, Object> group, Set<String> notify, Map<String, Object> label) {
        exchange.setProperty(GROUP, group);
        List<TimelinePublisher.Publication> updates = new ArrayList<>();
        Map<String, Object> body = GroupRules.updateBody(group, label);
        for (String member : notify) {
            updates.add(new TimelinePublisher.Publication(
                    GroupRules.updateRoutingKey((String) group.get("appId"), member, (String) group.get("uid")), body));
        }
        exchange.setProperty(Steps.UPDATES, updates);
    }

    /** The info messages, with timestamps one ms apart so that they sort in the order they were made. */
    private void notices(Exchange exchange, Map<String, Object> group, List<GroupRules.Notice> notices) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (GroupRules.Notice notice : notices) {
            Map<String, Object> message = factory.system((String) group.get("appId"), (String) group.get("uid"),
                    (String) group.get("name"), notice.text(), GroupRules.infoAttributes(notice.label()));
            message.put("timestamp", (Long) message.get("timestamp") + messages.size());
            messages.add(message);
        }
        exchange.setProperty(NOTICES, messages);
    }

    private HistoryReplay history(Exchange exchange, java.util.Collection<String> newMembers) {
        if (newMembers.isEmpty()) {
            return null;
        }
        return new HistoryReplay(groupId(exchange), store.history(appId(exchange), groupId(exchange), GroupRules.HISTORY),
                List.copyOf(newMembers));
    }

    private Map<String, Object> existing(Exchange exchange) {
        return existing(store.find(appId(exchange), groupId(exchange)));
    }

    private static Map<String, Object> existing(Map<String, Object> group) {
        if (group == null) {
            throw new ApiException(404, "group not found");
        }
        return group;
    }

    private static Caller caller(Exchange exchange) {
        return exchange.getProperty(Steps.CALLER, Caller.class);
    }

    private static String appId(Exchange exchange) {
        return exchange.getMessage().getHeader("app_id", String.class);
    }

    private static String groupId(Exchange exchange) {
        return exchange.getMessage().getHeader("group_id", String.class);
    }

    private static ObjectNode body(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("request body must be a JSON object (Content-Type: application/json)");
        }
        return Json.parseObject(body);
    }
}
