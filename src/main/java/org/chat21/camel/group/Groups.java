package org.chat21.camel.group;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.TimelinePublisher.Publication;
import org.chat21.camel.send.MessageFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The group operations of spec 6, bound as {@code groups}. Each change checks the caller (403), the group
 * (404) and the request (400, 409), writes the change with one atomic store operation, and returns the
 * {@link GroupChange} it produces; the {@code group-changed} route (routes/groups.yaml) carries it out.
 */
public class Groups {
    private final GroupStore store;
    private final Contacts contacts;
    private final MessageFactory factory;
    private final Clock clock;
    private final int maxMembers;

    public Groups(GroupStore store, Contacts contacts, MessageFactory factory, int maxMembers) {
        this(store, contacts, factory, maxMembers, Clock.systemUTC());
    }

    public Groups(GroupStore store, Contacts contacts, MessageFactory factory, int maxMembers, Clock clock) {
        this.store = store;
        this.contacts = contacts;
        this.factory = factory;
        this.clock = clock;
        this.maxMembers = maxMembers;
    }

    /** The group, for its members and admins. */
    public Map<String, Object> get(Caller caller, String appId, String groupId) {
        Map<String, Object> group = existing(appId, groupId);
        GroupRules.requireMemberOrAdmin(caller, group);
        return group;
    }

    /** A new group: {@code GROUP_CREATED} and one {@code MEMBER_JOINED_GROUP} per member; 409 when the id is taken. */
    public GroupChange create(Caller caller, String appId, byte[] body) {
        Map<String, Object> group = GroupRules.newGroup(caller, appId, parse(body), clock.millis(), maxMembers);
        store.insert(group);
        Contacts.Budget names = contacts.budget();
        return new GroupChange(group, HistoryReplay.NONE, List.of(),
                notices(group, GroupRules.creationNotices(group, names::lookup)));
    }

    /** Join (owner or admin): 409 when already a member; the new member gets the history. */
    public GroupChange join(Caller caller, String appId, String groupId, byte[] body) {
        GroupRules.requireOwnerOrAdmin(caller, existing(appId, groupId));
        String memberId = Ids.require("member_id", Json.requiredString(parse(body), "member_id"));
        Map<String, Object> after = store.addMember(appId, groupId, memberId, clock.millis());
        if (after == null) {
            throw new ApiException(409, "already a member of this group");
        }
        Contacts.Name name = contacts.lookup(memberId);
        Map<String, Object> label = GroupRules.label(GroupRules.MEMBER_JOINED_GROUP, GroupRules.joinedParameters(memberId, name));
        return new GroupChange(after, history(appId, groupId, List.of(memberId)),
                updates(after, GroupRules.memberIds(after), label),
                notices(after, List.of(GroupRules.joinNotice(memberId, name))));
    }

    /** Leave / remove (owner, admin, or the member itself): 404 when not a member. */
    public GroupChange leave(Caller caller, String appId, String groupId, String memberId) {
        GroupRules.requireMayRemove(caller, existing(appId, groupId), memberId);
        Map<String, Object> before = store.removeMember(appId, groupId, memberId, clock.millis());
        if (before == null) {
            throw new ApiException(404, "not a member of this group");
        }
        Map<String, Object> after = new LinkedHashMap<>(before);
        Map<String, Object> members = new LinkedHashMap<>();
        GroupRules.memberIds(before).stream().filter(m -> !m.equals(memberId)).forEach(m -> members.put(m, 1));
        after.put("members", members);
        after.put("updatedOn", clock.millis());
        // the old members, the one who left among them, get the updated group
        return new GroupChange(after, HistoryReplay.NONE,
                updates(after, GroupRules.memberIds(before), GroupRules.leftLabel(memberId)),
                notices(after, List.of(GroupRules.leaveNotice(memberId))));
    }

    /** Set members (owner or admin): the original members get the update, every added one the join treatment. */
    public GroupChange setMembers(Caller caller, String appId, String groupId, byte[] body) {
        Map<String, Object> group = existing(appId, groupId);
        GroupRules.requireOwnerOrAdmin(caller, group);
        Map<String, Object> members = GroupRules.members(parse(body), "members", maxMembers);
        Set<String> before = GroupRules.memberIds(group);
        if (before.equals(members.keySet())) {
            throw ApiException.badRequest("the group already has exactly these members");
        }
        Map<String, Object> after = existing(store.set(appId, groupId, "members", members, clock.millis()));
        Set<String> added = GroupRules.added(before, members.keySet());
        List<GroupRules.Notice> joins = new ArrayList<>();
        Contacts.Budget names = contacts.budget();
        for (String member : added) {
            joins.add(GroupRules.joinNotice(member, names.lookup(member)));
        }
        return new GroupChange(after, history(appId, groupId, added), updates(after, before, null), notices(after, joins));
    }

    /** Rename (owner or admin): the members get the group with {@code DATA_UPDATED_GROUP}. */
    public GroupChange rename(Caller caller, String appId, String groupId, byte[] body) {
        GroupRules.requireOwnerOrAdmin(caller, existing(appId, groupId));
        String name = GroupRules.name(parse(body), "group_name");
        Map<String, Object> after = existing(store.set(appId, groupId, "name", name, clock.millis()));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("group_name", name);
        return new GroupChange(after, HistoryReplay.NONE, updates(after, GroupRules.memberIds(after),
                GroupRules.label(GroupRules.DATA_UPDATED_GROUP, parameters)), List.of());
    }

    /** Replace the attributes (owner or admin): the members get the group with {@code ATTRIBUTES_UPDATED_GROUP}. */
    public GroupChange attributes(Caller caller, String appId, String groupId, byte[] body) {
        GroupRules.requireOwnerOrAdmin(caller, existing(appId, groupId));
        Map<String, Object> attributes = Json.optionalObject(parse(body), "attributes");
        if (attributes == null) {
            throw ApiException.badRequest("attributes is required");
        }
        Map<String, Object> after = existing(store.set(appId, groupId, "attributes", attributes, clock.millis()));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("attributes", attributes);
        return new GroupChange(after, HistoryReplay.NONE, updates(after, GroupRules.memberIds(after),
                GroupRules.label(GroupRules.ATTRIBUTES_UPDATED_GROUP, parameters)), List.of());
    }

    /** Every user's conversation with the group (owner or admin; an admin may also wipe what a deleted group left). */
    public void wipeConversations(Caller caller, String appId, String groupId) {
        requireWipe(caller, appId, groupId);
        store.deleteConversations(appId, groupId);
    }

    /** Every timeline's copies of the group's messages, with the same permissions. */
    public void wipeMessages(Caller caller, String appId, String groupId) {
        requireWipe(caller, appId, groupId);
        store.deleteMessages(appId, groupId);
    }

    private void requireWipe(Caller caller, String appId, String groupId) {
        Map<String, Object> group = store.find(appId, groupId);
        if (group == null && !caller.admin()) {
            throw new ApiException(404, "group not found");
        }
        if (group != null) {
            GroupRules.requireOwnerOrAdmin(caller, group);
        }
    }

    /** The {@code clientupdated} publish of the group to each of {@code notify}. */
    private static List<Publication> updates(Map<String, Object> group, Set<String> notify, Map<String, Object> label) {
        List<Publication> updates = new ArrayList<>();
        Map<String, Object> body = GroupRules.updateBody(group, label);
        for (String member : notify) {
            updates.add(new Publication(
                    GroupRules.updateRoutingKey((String) group.get("appId"), member, (String) group.get("uid")), body));
        }
        return updates;
    }

    /** The info messages, with timestamps one ms apart so that they sort in the order they were made. */
    private List<Map<String, Object>> notices(Map<String, Object> group, List<GroupRules.Notice> notices) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (GroupRules.Notice notice : notices) {
            Map<String, Object> message = factory.system((String) group.get("appId"), (String) group.get("uid"),
                    (String) group.get("name"), notice.text(), GroupRules.infoAttributes(notice.label()));
            message.put("timestamp", (Long) message.get("timestamp") + messages.size());
            messages.add(message);
        }
        return messages;
    }

    private HistoryReplay history(String appId, String groupId, Collection<String> newMembers) {
        if (newMembers.isEmpty()) {
            return HistoryReplay.NONE;
        }
        return new HistoryReplay(groupId, store.history(appId, groupId, GroupRules.HISTORY), List.copyOf(newMembers));
    }

    private Map<String, Object> existing(String appId, String groupId) {
        return existing(store.find(appId, groupId));
    }

    private static Map<String, Object> existing(Map<String, Object> group) {
        if (group == null) {
            throw new ApiException(404, "group not found");
        }
        return group;
    }

    private static ObjectNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("request body must be a JSON object (Content-Type: application/json)");
        }
        return Json.parseObject(body);
    }
}
