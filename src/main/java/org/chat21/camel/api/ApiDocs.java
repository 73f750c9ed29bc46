package org.chat21.camel.api;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

import static io.swagger.v3.oas.annotations.media.Schema.AdditionalPropertiesValue.TRUE;

/**
 * The JSON shapes of the API, for its OpenAPI document only: the REST DSL (routes/*.yaml) names them in
 * {@code type} and {@code responseModel}, and camel-openapi-java turns them into schemas. Nothing reads or
 * writes them: requests are parsed field by field (MessageFactory, Groups...) and answers are built by
 * {@link Replies}; these records describe what those do (spec 2-7).
 */
public final class ApiDocs {
    private ApiDocs() {
    }

    @Schema(description = "one event's data (the SSE stream's data line): the publication's routing key and JSON")
    public record TimelineEvent(@Schema(example = "apps.tilechat.users.USER2.messages.USER1.clientadded") String topic,
                                @Schema(additionalProperties = TRUE) Map<String, Object> payload) {
    }

    // --- answers ------------------------------------------------------------------------------------

    @Schema(name = "Error", description = "Every refusal and failure: 400 invalid input, 401 no or bad token, 403 not "
            + "allowed, 404 not found, 409 conflict, 413 body too large, 500 internal error, 503 store or broker "
            + "unavailable (try again)")
    public record Error(
            @Schema(description = "always false", example = "false", requiredMode = Schema.RequiredMode.REQUIRED) boolean success,
            @Schema(description = "the reason", example = "recipient_id is required", requiredMode = Schema.RequiredMode.REQUIRED) String err) {
    }

    @Schema(name = "Ok", description = "Done")
    public record Ok(@Schema(example = "true", requiredMode = Schema.RequiredMode.REQUIRED) boolean success) {
    }

    @Schema(name = "Info", description = "The service's version")
    public record Info(@Schema(example = "0.1.0", requiredMode = Schema.RequiredMode.REQUIRED) String v) {
    }

    @Schema(name = "MessageResult", description = "The message as accepted (stored in the outbox; delivered after)")
    public record MessageResult(@Schema(example = "true") boolean success, Message result) {
    }

    @Schema(name = "MessageList", description = "Messages of one conversation in the user's timeline, newest first")
    public record MessageList(@Schema(example = "true") boolean success, List<Message> result) {
    }

    @Schema(name = "ConversationList", description = "Conversations of the user's timeline, newest first (one or none "
            + "when the path names the conversation)")
    public record ConversationList(@Schema(example = "true") boolean success, List<Conversation> result) {
    }

    @Schema(name = "GroupResult", description = "A group")
    public record GroupResult(@Schema(example = "true") boolean success, Group result) {
    }

    @Schema(name = "GroupCreated", description = "The group as created")
    public record GroupCreated(@Schema(example = "true") boolean success, Group group) {
    }

    @Schema(name = "DeadLetterList", description = "Webhook events that exhausted their retries, oldest first")
    public record DeadLetterList(@Schema(example = "true") boolean success, List<DeadLetter> result) {
    }

    @Schema(name = "Count", description = "How many dead letters went back to their endpoint's queue")
    public record Count(@Schema(example = "true") boolean success, @Schema(example = "3") int result) {
    }

    // --- what the answers hold ---------------------------------------------------------------------

    @Schema(name = "Message", description = "A message; in a timeline (history), one user's copy of it")
    public record Message(
            @Schema(description = "a UUID given by the server") String message_id,
            @Schema(example = "tilechat") String app_id,
            @Schema(description = "whose timeline this copy is in (copies only)") String timelineOf,
            @Schema(description = "the other side of the conversation: a user id or a group id (copies only)") String conversWith,
            String sender,
            String sender_fullname,
            String recipient,
            String recipient_fullname,
            String text,
            @Schema(example = "text") String type,
            @Schema(allowableValues = {"direct", "group"}) String channel_type,
            @Schema(description = "0 sending, 100 sent, 150 delivered, 200 received, 250 return receipt, 300 seen, -100 failed")
            int status,
            @Schema(description = "ms since the epoch") long timestamp,
            @Schema(additionalProperties = TRUE) Map<String, Object> attributes,
            @Schema(additionalProperties = TRUE) Map<String, Object> metadata) {
    }

    @Schema(name = "Conversation", description = "A conversation of a user's timeline: the last message's fields and its state")
    public record Conversation(
            String timelineOf,
            String conversWith,
            @Schema(description = "= conversWith") String key,
            String app_id,
            String sender,
            String sender_fullname,
            String recipient,
            String recipient_fullname,
            String text,
            String last_message_text,
            String type,
            String channel_type,
            int status,
            long timestamp,
            boolean is_new,
            boolean archived,
            @Schema(additionalProperties = TRUE) Map<String, Object> attributes) {
    }

    @Schema(name = "Group", description = "A group")
    public record Group(
            @Schema(example = "group-4bd7dd4e-5a3f-4b7a-9c1e-6b2f0a1d2c3e") String uid,
            String name,
            String appId,
            String owner,
            @Schema(description = "member id -> 1", example = "{\"USER1\": 1, \"USER2\": 1}") Map<String, Integer> members,
            long createdOn,
            long updatedOn,
            @Schema(additionalProperties = TRUE) Map<String, Object> attributes) {
    }

    @Schema(name = "DeadLetter", description = "A webhook event its endpoint did not take")
    public record DeadLetter(String id, String event_id, String event_type, String endpoint, String error, long failedAt,
                             @Schema(additionalProperties = TRUE, description = "the event as it was POSTed") Map<String, Object> event) {
    }

    // --- requests ----------------------------------------------------------------------------------

    @Schema(name = "SendMessage", description = "A message to send (spec 5). A group message: channel_type group, or "
            + "a recipient id containing group-. Unknown fields and wrong types are refused (400)")
    public record SendMessage(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Andrea") String sender_fullname,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "USER2") String recipient_id,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Bob") String recipient_fullname,
            @Schema(example = "hello") String text,
            @Schema(description = "text (default), image, file...", example = "text") String type,
            @Schema(description = "direct (default) or group", allowableValues = {"direct", "group"}) String channel_type,
            @Schema(additionalProperties = TRUE) Map<String, Object> attributes,
            @Schema(additionalProperties = TRUE, description = "for images {src, width, height}") Map<String, Object> metadata,
            @Schema(description = "ms since the epoch; server time when absent") Long timestamp,
            @Schema(description = "admins only: send as this user") String sender_id,
            @Schema(additionalProperties = TRUE, description = "the members of a group that is not stored: {\"members\": {\"<id>\": 1}} (group messages only)")
            Map<String, Object> group) {
    }

    @Schema(name = "CreateGroup", description = "A group to create (spec 6); the creator (not an admin) is a member and the owner")
    public record CreateGroup(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Support") String group_name,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "member id -> 1",
                    example = "{\"USER1\": 1, \"USER2\": 1}") Map<String, Integer> group_members,
            @Schema(description = "group-<uuid> when absent") String group_id,
            @Schema(additionalProperties = TRUE) Map<String, Object> attributes,
            @Schema(description = "admins only") String group_owner) {
    }

    @Schema(name = "RenameGroup")
    public record RenameGroup(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Support team") String group_name) {
    }

    @Schema(name = "GroupAttributes", description = "Replaces the group's custom attributes")
    public record GroupAttributes(@Schema(additionalProperties = TRUE, requiredMode = Schema.RequiredMode.REQUIRED) Map<String, Object> attributes) {
    }

    @Schema(name = "JoinGroup")
    public record JoinGroup(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "USER3") String member_id) {
    }

    @Schema(name = "SetMembers", description = "The new member map (no change at all: 400)")
    public record SetMembers(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "member id -> 1",
            example = "{\"USER1\": 1, \"USER3\": 1}") Map<String, Integer> members) {
    }

    @Schema(name = "ArchiveAs", description = "Optional: admins may archive another user's conversation")
    public record ArchiveAs(String user_id) {
    }

    @Schema(name = "Instance", description = "A push-notification app instance, stored by instance_id (each field at most 256 characters)")
    public record Instance(@Schema(example = "Pixel 8") String device_model, @Schema(example = "en") String language,
                           @Schema(example = "android") String platform, @Schema(example = "14") String platform_version) {
    }

    @Schema(name = "Notify", description = "A push-notification request (admins): any JSON object, accepted and logged "
            + "(these two fields), not forwarded")
    public record Notify(@Schema(example = "new-message") String event_type, @Schema(example = "USER2") String recipient_id) {
    }
}
