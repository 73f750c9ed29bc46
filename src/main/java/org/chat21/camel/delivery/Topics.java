package org.chat21.camel.delivery;

/**
 * Every routing key the service publishes to (spec 4-7), in one place. MQTT clients see them with
 * {@code /} for {@code .}: a client subscribed to {@code apps/<app>/users/<me>/#} gets all of its own.
 * Ids are checked by {@link org.chat21.camel.common.Ids} before they get here.
 */
public final class Topics {
    private Topics() {
    }

    private static String user(Object appId, Object userId) {
        return "apps." + appId + ".users." + userId + ".";
    }

    /** {@code apps.<app>.users.<timelineOf>.messages.<conversWith>.clientadded}: a new copy in a timeline */
    public static String messageAdded(Object appId, Object timelineOf, Object conversWith) {
        return user(appId, timelineOf) + "messages." + conversWith + ".clientadded";
    }

    /** {@code apps.<app>.users.<member>.groups.<group>.clientupdated}: a group changed */
    public static String groupUpdated(String appId, String memberId, String groupId) {
        return user(appId, memberId) + "groups." + groupId + ".clientupdated";
    }

    /** {@code apps.<app>.users.<user>.conversations.<convers_with>.clientdeleted}: archived or deleted */
    public static String conversationDeleted(String appId, String userId, String conversWith) {
        return user(appId, userId) + "conversations." + conversWith + ".clientdeleted";
    }

    /** {@code apps.<app>.users.<user>.archived_conversations.<convers_with>.clientadded} */
    public static String archivedConversationAdded(String appId, String userId, String conversWith) {
        return user(appId, userId) + "archived_conversations." + conversWith + ".clientadded";
    }

    /** {@code apps.<app>.users.<timelineOf>.messages.<conversWith>.<message_id>.clientupdated}: a copy's status */
    public static String messageUpdated(String appId, String timelineOf, String conversWith, String messageId) {
        return user(appId, timelineOf) + "messages." + conversWith + "." + messageId + ".clientupdated";
    }

    /** {@code apps.<app>.users.<user>.conversations.<convers_with>.clientupdated}: a conversation patched */
    public static String conversationUpdated(String appId, String userId, String conversWith) {
        return user(appId, userId) + "conversations." + conversWith + ".clientupdated";
    }
}
