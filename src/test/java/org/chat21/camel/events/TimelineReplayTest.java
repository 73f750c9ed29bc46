package org.chat21.camel.events;

import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.chat21.camel.infra.MongoStandIn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The replay reads the user's copies after a position, in event-id order, a page at a time (Mongo-wire stand-in). */
class TimelineReplayTest {
    @RegisterExtension
    final MongoStandIn store = new MongoStandIn();
    MongoDatabase db;

    @BeforeEach
    void setUp() {
        db = store.db();
    }

    void copy(String app, String user, long ts, String id) {
        db.getCollection("messages").insertOne(new Document("app_id", app).append("timelineOf", user)
                .append("conversWith", "alice").append("message_id", id).append("timestamp", ts).append("text", id));
    }

    @Test
    void everythingAfterThePositionOnceInOrderAcrossPages() {
        copy("t", "bob", 10, "a");
        copy("t", "bob", 20, "c");
        copy("t", "bob", 20, "b");
        copy("t", "bob", 30, "d");
        copy("t", "bob", 40, "e");
        copy("t", "carol", 25, "x");
        copy("other", "bob", 25, "y");
        TimelineReplay replay = new TimelineReplay(db);
        List<String> ids = new ArrayList<>();
        TimelineEvent.Position at = new TimelineEvent.Position(20, "b");
        int pages = 0;
        while (at != null) {
            TimelineReplay.Page page = replay.page("t", "bob", at, 2);
            page.events().forEach(e -> ids.add(e.copyId()));
            at = page.next();
            pages++;
        }
        assertEquals(List.of("20-c", "30-d", "40-e"), ids);
        assertEquals(2, pages);
        TimelineReplay.Page first = replay.page("t", "bob", new TimelineEvent.Position(0, ""), 10);
        assertNull(first.next(), "a short page is the last");
        assertEquals(5, first.events().size());
        TimelineEvent e = first.events().get(0);
        assertEquals("clientadded", e.name());
        assertFalse(e.data().contains("\"_id\""), "as published: without the store's _id");
    }
}
