package org.chat21.camel.conversation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;
import org.chat21.camel.delivery.TimelinePublisher.Publication;
import org.chat21.camel.delivery.Topics;

import java.util.ArrayList;
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
}
