package org.chat21.camel.conversation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.TimelinePublisher.Publication;
import org.chat21.camel.delivery.Topics;
import org.chat21.camel.observer.ClientTopic;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Archiving and deleting a conversation (spec 7), bound as {@code conversations}. */
public class Conversations {
    private final ConversationStore store;

    public Conversations(ConversationStore store) {
        this.store = store;
    }

    /**
     * {@code DELETE /{app_id}/conversations/{convers_with}}: archive the caller's conversation (an admin may
     * name another user in the body's {@code user_id}); with {@code delete = "true"} remove it and that
     * user's copies of its messages. 404 when there is no such conversation. Returns the publishes that tell
     * the user's clients: {@code clientdeleted}, and for an archive {@code archived_conversations...clientadded}.
     */
    public List<Publication> archive(Caller caller, String appId, String conversWith, String delete, byte[] body) {
        String userId = caller.userId();
        if (body != null && body.length > 0) {
            ObjectNode json = Json.parseObject(body);
            String asUser = Json.optionalString(json, "user_id");
            if (asUser != null && !asUser.equals(userId)) {
                if (!caller.admin()) {
                    throw ApiException.forbidden("only admins may act for another user_id");
                }
                userId = Ids.require("user_id", asUser);
            }
        }
        List<Publication> updates = new ArrayList<>();
        if ("true".equalsIgnoreCase(delete)) {
            Map<String, Object> deleted = store.delete(appId, userId, conversWith);
            if (deleted == null) {
                throw new ApiException(404, "conversation not found");
            }
            updates.add(new Publication(Topics.conversationDeleted(appId, userId, conversWith), Json.clientView(deleted)));
        } else {
            Map<String, Object> archived = store.archive(appId, userId, conversWith);
            if (archived == null) {
                throw new ApiException(404, "conversation not found");
            }
            updates.add(new Publication(Topics.conversationDeleted(appId, userId, conversWith), Json.clientView(archived)));
            updates.add(new Publication(Topics.archivedConversationAdded(appId, userId, conversWith),
                    Json.clientView(archived)));
        }
        return updates;
    }

    /**
     * A client's patch of its own conversation, published to {@code apps.<app>.users.<me>.conversations.<cw>.update}
     * (spec 8). Clients own {@code is_new} only (the original's clients set nothing else; its observer would
     * have stored any field, timelineOf and operators included): anything else refuses the whole patch. Stored
     * on an existing conversation, then published with timelineOf and conversWith to
     * {@code ...conversations.<cw>.clientupdated}; a patch of no conversation changes nothing.
     */
    public List<Publication> clientPatch(ClientTopic topic, byte[] body) {
        ObjectNode json = Json.parseObject(body);
        JsonNode isNew = json.get("is_new");
        if (json.size() != 1 || isNew == null || !isNew.isBoolean()) {
            throw ApiException.badRequest("a conversation patch is {\"is_new\": true|false}");
        }
        if (!store.setNew(topic.appId(), topic.userId(), topic.conversWith(), isNew.booleanValue())) {
            return List.of();
        }
        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("is_new", isNew.booleanValue());
        patch.put("timelineOf", topic.userId());
        patch.put("conversWith", topic.conversWith());
        return List.of(new Publication(Topics.conversationUpdated(topic.appId(), topic.userId(), topic.conversWith()), patch));
    }

    /** A client archives its own conversation ({@code ...conversations.<cw>.archive}): as the HTTP archive. */
    public List<Publication> clientArchive(ClientTopic topic) {
        return archive(new Caller(topic.userId(), topic.appId(), false), topic.appId(), topic.conversWith(), null, null);
    }
}
