package org.chat21.camel.group;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.DeliveryPlanner;
import org.chat21.camel.delivery.Topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The rules of spec 6, as pure functions: how a group document is built and changed, who may do what,
 * and the info messages, notifications and history copies a change produces. No I/O.
 */
public final class GroupRules {
    public static final String GROUP_CREATED = "GROUP_CREATED";
    public static final String MEMBER_JOINED_GROUP = "MEMBER_JOINED_GROUP";
    public static final String MEMBER_LEFT_GROUP = "MEMBER_LEFT_GROUP";
    public static final String DATA_UPDATED_GROUP = "DATA_UPDATED_GROUP";
    public static final String ATTRIBUTES_UPDATED_GROUP = "ATTRIBUTES_UPDATED_GROUP";
    /** Messages of the group's timeline a new member gets (spec 6). */
    public static final int HISTORY = 200;
    private static final int MAX_NAME = 1024;

    private GroupRules() {
    }

    /**
     * The group document of a create request: {@code name, uid, appId, owner, members, createdOn, updatedOn,
     * attributes?} in Chat21's order. A non-admin creator is always a member and the owner; only admins may
     * name another owner.
     */
    public static Map<String, Object> newGroup(Caller caller, String appId, ObjectNode body, long now, int maxMembers) {
        String name = name(body, "group_name");
        Map<String, Object> members = members(body, "group_members", maxMembers);
        String groupId = Json.optionalString(body, "group_id");
        groupId = groupId == null ? "group-" + UUID.randomUUID() : Ids.require("group_id", groupId);
        String owner = Json.optionalString(body, "group_owner");
        if (owner != null && !owner.equals(caller.userId())) {
            if (!caller.admin()) {
                throw ApiException.forbidden("only admins may set group_owner");
            }
            Ids.require("group_owner", owner);
        }
        if (owner == null) {
            owner = caller.userId();
        }
        if (!caller.admin()) {
            members.put(caller.userId(), 1);
            if (members.size() > maxMembers) {
                throw ApiException.badRequest("a group has at most " + maxMembers + " members");
            }
        }
        Map<String, Object> attributes = Json.optionalObject(body, "attributes");
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("name", name);
        group.put("uid", groupId);
        group.put("appId", appId);
        group.put("owner", owner);
        group.put("members", members);
        group.put("createdOn", now);
        group.put("updatedOn", now);
        if (attributes != null) {
            group.put("attributes", attributes);
        }
        return group;
    }

    /** A required, non-empty name field. */
    public static String name(ObjectNode body, String field) {
        String name = Json.requiredString(body, field);
        if (name.isBlank() || name.length() > MAX_NAME) {
            throw ApiException.badRequest(field + " must be 1 to " + MAX_NAME + " characters");
        }
        return name;
    }

    /** A member map {@code {"<id>": 1, ...}}: every entry as {@link Ids#requireMember} says, stored with value 1. */
    public static Map<String, Object> members(ObjectNode body, String field, int maxMembers) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.badRequest(field + " is required");
        }
        if (!value.isObject()) {
            throw ApiException.badRequest(field + " must be an object of member ids");
        }
        if (value.size() > maxMembers) {
            throw ApiException.badRequest("a group has at most " + maxMembers + " members");
        }
        Map<String, Object> members = new LinkedHashMap<>();
        for (var it = value.fields(); it.hasNext(); ) {
            var member = it.next();
            members.put(Ids.requireMember(field, member.getKey(), member.getValue()), 1);
        }
        return members;
    }

    public static Set<String> memberIds(Map<String, Object> group) {
        return new LinkedHashSet<>(DeliveryPlanner.members(group));
    }

    public static boolean isOwner(Caller caller, Map<String, Object> group) {
        return caller.userId().equals(group.get("owner"));
    }

    /** Reading a group: its members and admins. */
    public static void requireMemberOrAdmin(Caller caller, Map<String, Object> group) {
        if (!caller.admin() && !memberIds(group).contains(caller.userId())) {
            throw ApiException.forbidden("only members may read this group");
        }
    }

    /** Renaming, attributes, adding or setting members, the group-wide wipes: the owner and admins. */
    public static void requireOwnerOrAdmin(Caller caller, Map<String, Object> group) {
        if (!caller.admin() && !isOwner(caller, group)) {
            throw ApiException.forbidden("only the group owner or an admin may do this");
        }
    }

    /** Removing a member: the owner, an admin, or the member itself (fix: not any member). */
    public static void requireMayRemove(Caller caller, Map<String, Object> group, String memberId) {
        if (!caller.admin() && !isOwner(caller, group) && !caller.userId().equals(memberId)) {
            throw ApiException.forbidden("only the group owner, an admin or the member itself may remove a member");
        }
    }

    /** {@code {key, parameters}} */
    public static Map<String, Object> label(String key, Map<String, Object> parameters) {
        Map<String, Object> label = new LinkedHashMap<>();
        label.put("key", key);
        label.put("parameters", parameters);
        return label;
    }

    /** The attributes of an info message: {@code {subtype: info, updateconversation: true, messagelabel}}. */
    public static Map<String, Object> infoAttributes(Map<String, Object> label) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("subtype", "info");
        attributes.put("updateconversation", true);
        attributes.put("messagelabel", label);
        return attributes;
    }

    public static Map<String, Object> joinedParameters(String memberId, Contacts.Name name) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("member_id", memberId);
        parameters.put("fullname", name.fullname());
        parameters.put("firstname", name.firstname());
        parameters.put("lastname", name.lastname());
        return parameters;
    }

    /** One info message to write, before its message id and timestamp are given. */
    public record Notice(String text, Map<String, Object> label) {
    }

    /** Creation: {@code GROUP_CREATED}, then one {@code MEMBER_JOINED_GROUP} per initial member. */
    public static List<Notice> creationNotices(Map<String, Object> group, Function<String, Contacts.Name> names) {
        List<Notice> notices = new ArrayList<>();
        Map<String, Object> creator = new LinkedHashMap<>();
        creator.put("creator", group.get("owner"));
        notices.add(new Notice("Group created", label(GROUP_CREATED, creator)));
        for (String member : memberIds(group)) {
            Contacts.Name name = names.apply(member);
            notices.add(new Notice(name.fullname() + " joined group on creation",
                    label(MEMBER_JOINED_GROUP, joinedParameters(member, name))));
        }
        return notices;
    }

    /** A member added later: "X added to group". */
    public static Notice joinNotice(String memberId, Contacts.Name name) {
        return new Notice(name.shortName(memberId) + " added to group",
                label(MEMBER_JOINED_GROUP, joinedParameters(memberId, name)));
    }

    public static Map<String, Object> leftLabel(String memberId) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("member_id", memberId);
        return label(MEMBER_LEFT_GROUP, parameters);
    }

    public static Notice leaveNotice(String memberId) {
        return new Notice(memberId + " removed from group", leftLabel(memberId));
    }

    /** The body of a {@code clientupdated} publish: the group, with the notification when there is one. */
    public static Map<String, Object> updateBody(Map<String, Object> group, Map<String, Object> label) {
        Map<String, Object> body = Json.clientView(group);
        if (label != null) {
            Map<String, Object> notification = new LinkedHashMap<>();
            notification.put("messagelabel", label);
            body.put("notification", notification);
        }
        return body;
    }

    /** {@code apps.<app>.users.<member>.groups.<group>.clientupdated} */
    public static String updateRoutingKey(String appId, String memberId, String groupId) {
        return Topics.groupUpdated(appId, memberId, groupId);
    }

    /**
     * The new member's copies of the group's history (the group timeline's messages, oldest first): status
     * 150, {@code __history: "true"}, and no push notification unless the message forces one.
     */
    public static List<Map<String, Object>> historyCopies(Collection<? extends Map<String, Object>> timeline,
                                                          String memberId, String groupId) {
        List<Map<String, Object>> copies = new ArrayList<>(timeline.size());
        for (Map<String, Object> message : timeline) {
            Map<String, Object> copy = DeliveryPlanner.copy(message, memberId, groupId, DeliveryPlanner.STATUS_DELIVERED);
            copy.put("__history", "true");
            Map<String, Object> attributes = new LinkedHashMap<>();
            if (copy.get("attributes") instanceof Map<?, ?> existing) {
                existing.forEach((k, v) -> attributes.put(String.valueOf(k), v));
            }
            if (!Boolean.TRUE.equals(attributes.get("forcenotification"))) {
                attributes.put("sendnotification", false);
            }
            copy.put("attributes", attributes);
            copies.add(copy);
        }
        return copies;
    }

    /** Members in {@code after} and not in {@code before}. */
    public static Set<String> added(Set<String> before, Set<String> after) {
        Set<String> added = new LinkedHashSet<>(after);
        added.removeAll(before);
        return added;
    }
}
