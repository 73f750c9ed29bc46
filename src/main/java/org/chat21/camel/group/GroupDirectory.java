package org.chat21.camel.group;

import org.chat21.camel.send.MessageFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * Group documents as group delivery needs them, cached so that a message to an unchanged group costs no
 * MongoDB read. Entries are dropped when a group changes: on this instance directly, on the others by
 * the broadcast {@link GroupChangeListener} publishes before the change is answered. While this instance cannot
 * hear those broadcasts (no broker connection, no listener) nothing is cached at all, and the cache starts
 * empty once it can again.
 * A read racing a change is not cached (generation check), so a stale document never sticks. Entries
 * also expire after a while, which bounds how long a change made behind the service's back (directly in
 * MongoDB) goes unseen.
 */
public class GroupDirectory {
    private final BiFunction<String, String, Map<String, Object>> loader;
    private final int capacity;
    private final long ttlMs;
    private final LongSupplier clock;
    private final Map<String, Entry> cache;
    private long generation;
    /** false while changes cannot be heard (no broker connection or no listener): then nothing is cached */
    private boolean coherent = true;

    /** A cached group (null: there is no such group) and when it was read. */
    private record Entry(Map<String, Object> group, long readAt) {
    }

    /**
     * Bound by {@link GroupConfig}: reads groups from the store; caches nothing until the
     * {@link GroupChangeListener} can hear changes.
     */
    public GroupDirectory(GroupStore store, int capacity, long ttlMs) {
        this(store::find, capacity, ttlMs, System::currentTimeMillis);
        setCoherent(false);
    }

    /**
     * @param loader reads a group by (app id, group id) from the store; null when there is none
     * @param clock  milliseconds, for the expiry
     */
    public GroupDirectory(BiFunction<String, String, Map<String, Object>> loader, int capacity, long ttlMs,
                          LongSupplier clock) {
        this.loader = loader;
        this.capacity = capacity;
        this.ttlMs = ttlMs;
        this.clock = clock;
        this.cache = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > GroupDirectory.this.capacity;
            }
        };
    }

    /**
     * The groups of the group messages of a delivery batch, by message id ({@link #recipientGroup}; none for
     * direct messages and for groups that do not exist), from the cache like every group read.
     */
    public Map<String, Map<String, Object>> groupsOf(List<Map<String, Object>> messages) {
        Map<String, Map<String, Object>> groups = new HashMap<>();
        for (Map<String, Object> message : messages) {
            if (MessageFactory.GROUP.equals(message.get("channel_type"))) {
                Map<String, Object> group = recipientGroup(message);
                if (group != null) {
                    groups.put((String) message.get("message_id"), group);
                }
            }
        }
        return groups;
    }

    /**
     * The group a group message is addressed to (its recipient), or null when it does not exist. A stored
     * group wins over the members a message names inline ({@code group: {members}}, spec 8): its membership
     * is the one its owner manages. Without a stored group the inline members and the sender make the group,
     * as in the original observer.
     */
    public Map<String, Object> recipientGroup(Map<String, Object> message) {
        String groupId = (String) message.get("recipient");
        Map<String, Object> stored = find((String) message.get("app_id"), groupId);
        if (stored != null || !(message.get("group") instanceof Map<?, ?> inline)
                || !(inline.get("members") instanceof Map<?, ?> members)) {
            return stored;
        }
        Map<String, Object> ids = new LinkedHashMap<>();
        members.keySet().forEach(id -> ids.put(String.valueOf(id), 1));
        ids.put((String) message.get("sender"), 1);
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("uid", groupId);
        group.put("members", ids);
        return group;
    }

    /** The group, or null when it does not exist. */
    public Map<String, Object> find(String appId, String groupId) {
        String key = key(appId, groupId);
        long seen;
        long now = clock.getAsLong();
        synchronized (this) {
            if (!coherent) {
                seen = -1;
            } else {
                Entry cached = cache.get(key);
                if (cached != null && now - cached.readAt() < ttlMs) {
                    return cached.group();
                }
                seen = generation;
            }
        }
        Map<String, Object> group = loader.apply(appId, groupId);
        synchronized (this) {
            if (coherent && generation == seen) {
                cache.put(key, new Entry(group, now));
            }
        }
        return group;
    }

    /**
     * Whether changes announced by other instances can be heard. While not, every lookup reads the store
     * and nothing is cached; turning it off also empties the cache.
     */
    public synchronized void setCoherent(boolean coherent) {
        if (!coherent) {
            generation++;
            cache.clear();
        }
        this.coherent = coherent;
    }

    /** A group changed (here or on another instance): its next use reads the store. */
    public synchronized void invalidate(String appId, String groupId) {
        generation++;
        cache.remove(key(appId, groupId));
    }

    /** Everything may have changed (the broker connection was lost, so broadcasts may be missing). */
    public synchronized void clear() {
        generation++;
        cache.clear();
    }

    synchronized int size() {
        return cache.size();
    }

    private static String key(String appId, String groupId) {
        return appId + '\n' + groupId;
    }
}
