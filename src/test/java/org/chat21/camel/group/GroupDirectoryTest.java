package org.chat21.camel.group;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class GroupDirectoryTest {
    final Map<String, Map<String, Object>> store = new HashMap<>();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicLong now = new AtomicLong(1_000);
    Runnable duringRead = () -> { };
    final GroupDirectory directory = new GroupDirectory((app, id) -> {
        reads.incrementAndGet();
        duringRead.run();
        return store.get(app + "/" + id);
    }, 3, 60_000, now::get);

    static Map<String, Object> group(String... members) {
        Map<String, Object> m = new HashMap<>();
        for (String member : members) {
            m.put(member, 1);
        }
        return Map.of("uid", "g", "members", m);
    }

    @Test
    void anUnchangedGroupIsReadOnce() {
        store.put("a/g", group("x", "y"));
        for (int i = 0; i < 100; i++) {
            assertEquals(group("x", "y"), directory.find("a", "g"));
        }
        assertEquals(1, reads.get());
    }

    @Test
    void aChangeIsSeenAtTheNextUse() {
        store.put("a/g", group("x"));
        directory.find("a", "g");
        store.put("a/g", group("x", "z"));
        directory.invalidate("a", "g");
        assertEquals(group("x", "z"), directory.find("a", "g"));
        assertEquals(2, reads.get());
    }

    @Test
    void aMissingGroupIsCachedUntilAnnounced() {
        assertNull(directory.find("a", "g"));
        assertNull(directory.find("a", "g"));
        assertEquals(1, reads.get());
        store.put("a/g", group("x"));
        directory.invalidate("a", "g");
        assertEquals(group("x"), directory.find("a", "g"));
    }

    @Test
    void tenantsAreKeptApart() {
        store.put("a/g", group("x"));
        store.put("b/g", group("y"));
        assertEquals(group("x"), directory.find("a", "g"));
        assertEquals(group("y"), directory.find("b", "g"));
    }

    @Test
    void aReadRacingAChangeIsNotCached() {
        store.put("a/g", group("old"));
        duringRead = () -> directory.invalidate("a", "g"); // the change lands while the old document is read
        assertEquals(group("old"), directory.find("a", "g"));
        duringRead = () -> { };
        store.put("a/g", group("new"));
        assertEquals(group("new"), directory.find("a", "g"));
    }

    @Test
    void clearDropsEverythingAndEntriesExpire() {
        store.put("a/g", group("x"));
        directory.find("a", "g");
        directory.clear();
        directory.find("a", "g");
        assertEquals(2, reads.get());
        now.addAndGet(60_000);
        directory.find("a", "g");
        assertEquals(3, reads.get());
    }

    @Test
    void capacityIsBounded() {
        for (int i = 0; i < 10; i++) {
            directory.find("a", "g" + i);
        }
        assertEquals(3, directory.size());
    }

    @Test
    void nothingIsCachedWhileChangesCannotBeHeard() {
        store.put("a/g", group("x"));
        directory.find("a", "g");
        directory.setCoherent(false); // the broker connection went away
        store.put("a/g", group("x", "y"));
        assertEquals(group("x", "y"), directory.find("a", "g"));
        store.put("a/g", group("y"));
        assertEquals(group("y"), directory.find("a", "g"), "read from the store every time");
        assertEquals(0, directory.size());
        directory.setCoherent(true);
        directory.find("a", "g");
        directory.find("a", "g");
        assertEquals(4, reads.get());
    }
}
