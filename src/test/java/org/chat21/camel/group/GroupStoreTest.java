package org.chat21.camel.group;

import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.infra.MongoStandIn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Group create through the official driver over the wire protocol, with no unique index on (uid, appId). */
class GroupStoreTest {
    @RegisterExtension
    final MongoStandIn mongo = new MongoStandIn();
    MongoDatabase db;
    GroupStore store;

    @BeforeEach
    void setUp() {
        db = mongo.db();
        store = new GroupStore(db);
    }

    static Map<String, Object> group(String appId, String uid, String name) {
        return new Document("uid", uid).append("appId", appId).append("name", name).append("owner", "u1")
                .append("members", new Document("u1", 1)).append("createdOn", 1L).append("updatedOn", 1L);
    }

    @Test
    void aSecondCreateOfAGroupIdIsRefusedWithoutRelyingOnAUniqueIndex() {
        store.insert(group("tilechat", "group-a", "first"));
        ApiException taken = assertThrows(ApiException.class, () -> store.insert(group("tilechat", "group-a", "second")));
        assertEquals(409, taken.status());
        assertEquals(1, db.getCollection("groups").countDocuments());
        assertEquals("first", store.find("tilechat", "group-a").get("name"), "the existing group is untouched");

        store.insert(group("other", "group-a", "another app's"));
        assertEquals("another app's", store.find("other", "group-a").get("name"));
    }
}
