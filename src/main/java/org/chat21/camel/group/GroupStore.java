package org.chat21.camel.group;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.chat21.camel.common.ApiException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The {@code groups} collection (spec 4, 6) and the group-wide reads and wipes of the timelines. Groups
 * are found by their exact unique key {@code (uid, appId)} (see infra.Indexes), so another tenant's group of the same id is
 * never seen. Member changes are single atomic updates, so two concurrent joins both land.
 */
public class GroupStore {
    private static final FindOneAndUpdateOptions AFTER = new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER);
    private static final FindOneAndUpdateOptions BEFORE = new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE);
    private static final UpdateOptions UPSERT = new UpdateOptions().upsert(true);

    private final MongoCollection<Document> groups;
    private final MongoCollection<Document> messages;
    private final MongoCollection<Document> conversations;

    public GroupStore(MongoDatabase db) {
        this.groups = db.getCollection("groups");
        this.messages = db.getCollection("messages");
        this.conversations = db.getCollection("conversations");
    }

    private static Document key(String appId, String groupId) {
        return new Document("uid", groupId).append("appId", appId);
    }

    public Map<String, Object> find(String appId, String groupId) {
        return groups.find(key(appId, groupId)).first();
    }

    /**
     * Stores a new group; 409 when the tenant already has a group of that id. An upsert that only inserts,
     * so an existing group is found also where {@code (uid, appId)} could not be made unique (a database of
     * the original, see infra.Indexes); the unique index catches two creates at the same instant.
     */
    public void insert(Map<String, Object> group) {
        try {
            Document key = key((String) group.get("appId"), (String) group.get("uid"));
            if (groups.updateOne(key, new Document("$setOnInsert", new Document(group)), UPSERT).getUpsertedId() == null) {
                throw new ApiException(409, "a group with this id already exists");
            }
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                throw new ApiException(409, "a group with this id already exists");
            }
            throw e;
        }
    }

    /** Adds a member; the group after the change, or null when it was already a member (or is gone). */
    public Map<String, Object> addMember(String appId, String groupId, String memberId, long now) {
        Bson notYet = key(appId, groupId).append("members." + memberId, new Document("$exists", false));
        return groups.findOneAndUpdate(notYet,
                Updates.combine(Updates.set("members." + memberId, 1), Updates.set("updatedOn", now)), AFTER);
    }

    /** Removes a member; the group before the change, or null when it was not a member (or is gone). */
    public Map<String, Object> removeMember(String appId, String groupId, String memberId, long now) {
        Bson member = key(appId, groupId).append("members." + memberId, new Document("$exists", true));
        return groups.findOneAndUpdate(member,
                Updates.combine(Updates.unset("members." + memberId), Updates.set("updatedOn", now)), BEFORE);
    }

    /** Sets one field (name, attributes, members) and updatedOn; the group after, or null when gone. */
    public Map<String, Object> set(String appId, String groupId, String field, Object value, long now) {
        return groups.findOneAndUpdate(key(appId, groupId),
                Updates.combine(Updates.set(field, value), Updates.set("updatedOn", now)), AFTER);
    }

    /** The newest {@code limit} messages of the group's own timeline, oldest first. */
    public List<Map<String, Object>> history(String appId, String groupId, int limit) {
        List<Map<String, Object>> newest = new ArrayList<>();
        for (Document doc : messages.find(new Document("timelineOf", groupId).append("conversWith", groupId)
                .append("app_id", appId)).sort(Sorts.descending("timestamp")).limit(limit)) {
            newest.add(doc);
        }
        Collections.reverse(newest);
        return newest;
    }

    /** Every user's conversation with the group; the number removed. */
    public long deleteConversations(String appId, String groupId) {
        return conversations.deleteMany(new Document("app_id", appId).append("conversWith", groupId)).getDeletedCount();
    }

    /** Every timeline's copies of the group's messages (the group's own history included); the number removed. */
    public long deleteMessages(String appId, String groupId) {
        return messages.deleteMany(new Document("app_id", appId).append("conversWith", groupId)).getDeletedCount();
    }
}
