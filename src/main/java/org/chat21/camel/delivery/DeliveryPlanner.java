package org.chat21.camel.delivery;

import org.chat21.camel.common.Ids;
import org.chat21.camel.send.MessageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copy planning (spec 5): which timelines get a copy of an accepted message, with which status, and
 * the conversation document each copy leaves behind. Pure functions: no I/O.
 */
public class DeliveryPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryPlanner.class);

    public static final int STATUS_SENT = 100;
    public static final int STATUS_DELIVERED = 150;

    /**
     * The copies of an accepted message: by its {@code channel_type}, {@link #planGroup} with the group
     * document (null when there is none), else {@link #planDirect}.
     */
    public List<Map<String, Object>> plan(Map<String, Object> message, Map<String, Object> group) {
        return MessageFactory.GROUP.equals(message.get("channel_type")) ? planGroup(message, group) : planDirect(message);
    }

    /**
     * The copies of a delivery batch, message after message (a message's copies next to each other):
     * {@link #plan} with each group message's group from {@code groups} (by message id; absent when there is
     * none). A message that cannot be planned is logged and left out: it stays in the outbox.
     */
    public List<Map<String, Object>> planAll(List<Map<String, Object>> messages, Map<String, Map<String, Object>> groups) {
        List<Map<String, Object>> copies = new ArrayList<>(messages.size() * 2);
        for (Map<String, Object> message : messages) {
            try {
                copies.addAll(plan(message, groups == null ? null : groups.get((String) message.get("message_id"))));
            } catch (RuntimeException e) {
                LOG.error("message {} cannot be delivered, left in the outbox: {}", message.get("message_id"), e.toString());
            }
        }
        return copies;
    }

    /** Direct: the sender's copy (100) and the recipient's copy (150); one copy when they are the same user. */
    public List<Map<String, Object>> planDirect(Map<String, Object> message) {
        String sender = (String) message.get("sender");
        String recipient = (String) message.get("recipient");
        List<Map<String, Object>> copies = new ArrayList<>(2);
        copies.add(copy(message, sender, recipient, STATUS_SENT));
        if (!recipient.equals(sender)) {
            copies.add(copy(message, recipient, sender, STATUS_DELIVERED));
        }
        return copies;
    }

    /**
     * Group: one copy per member (150) except those in {@code attributes.hiddenFor}, plus the group's own
     * timeline (100), which is its history. Without a group document the message goes to the sender
     * (100) and the group timeline only. Member ids that would break a routing key are skipped.
     */
    public List<Map<String, Object>> planGroup(Map<String, Object> message, Map<String, Object> group) {
        String groupId = (String) message.get("recipient");
        String sender = (String) message.get("sender");
        Set<String> hidden = hiddenFor(message);
        List<Map<String, Object>> copies = new ArrayList<>();
        Set<String> timelines = new HashSet<>();
        timelines.add(groupId);
        if (group == null) {
            if (timelines.add(sender)) {
                copies.add(copy(message, sender, groupId, STATUS_SENT));
            }
        } else {
            for (String member : members(group)) {
                if (hidden.contains(member)) {
                    continue;
                }
                if (!Ids.isValid(member)) {
                    LOG.warn("group {} has a member id that cannot be routed, skipped: {}", groupId, member);
                    continue;
                }
                if (timelines.add(member)) {
                    copies.add(copy(message, member, groupId, STATUS_DELIVERED));
                }
            }
        }
        copies.add(copy(message, groupId, groupId, STATUS_SENT));
        return copies;
    }

    /** Member ids of a group document ({@code members: {"<id>": 1, ...}}). */
    public static Collection<String> members(Map<String, Object> group) {
        Object members = group.get("members");
        if (members instanceof Map<?, ?> map) {
            Set<String> ids = new LinkedHashSet<>();
            for (Object key : map.keySet()) {
                ids.add(String.valueOf(key));
            }
            return ids;
        }
        return List.of();
    }

    static Set<String> hiddenFor(Map<String, Object> message) {
        Object attributes = message.get("attributes");
        if (!(attributes instanceof Map<?, ?> attrs)) {
            return Set.of();
        }
        Object hidden = attrs.get("hiddenFor");
        Set<String> ids = new HashSet<>();
        if (hidden instanceof String s) {
            ids.add(s);
        } else if (hidden instanceof Collection<?> list) {
            for (Object id : list) {
                if (id instanceof String s) {
                    ids.add(s);
                }
            }
        }
        return ids;
    }

    public static Map<String, Object> copy(Map<String, Object> message, String timelineOf, String conversWith, int status) {
        Map<String, Object> copy = new LinkedHashMap<>(message);
        copy.remove("_id");
        copy.put("timelineOf", timelineOf);
        copy.put("conversWith", conversWith);
        copy.put("status", status);
        return copy;
    }

    /** {@code apps.<app_id>.users.<timelineOf>.messages.<conversWith>.clientadded} */
    public static String routingKey(Map<String, Object> copy) {
        return Topics.messageAdded(copy.get("app_id"), copy.get("timelineOf"), copy.get("conversWith"));
    }

    /** Every copy updates its conversation unless {@code attributes.updateconversation} is false. */
    public static boolean updatesConversation(Map<String, Object> message) {
        Object attributes = message.get("attributes");
        return !(attributes instanceof Map<?, ?> attrs && Boolean.FALSE.equals(attrs.get("updateconversation")));
    }

    /** The conversation document a copy leaves in its timeline (spec 4). */
    public static Map<String, Object> conversationOf(Map<String, Object> copy) {
        Map<String, Object> conversation = new LinkedHashMap<>(copy);
        conversation.put("key", copy.get("conversWith"));
        conversation.put("is_new", true);
        conversation.put("archived", false);
        conversation.put("last_message_text", copy.get("text"));
        return conversation;
    }
}
