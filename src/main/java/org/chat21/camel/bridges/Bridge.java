package org.chat21.camel.bridges;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Ids;
import org.chat21.camel.common.Json;
import org.chat21.camel.send.MessageFactory;
import org.chat21.camel.webhooks.WebhookEvents;
import org.chat21.camel.webhooks.Webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One bridge between a Chat21 conversation and a conversation of another chat system: the settings of the
 * Chat21 side of one bridge Kamelet's instance (kamelets/chat21-bridge-source, chat21-bridge-sink,
 * http-bridge-source), and what those routes need that is worth a unit test. Created by the Kamelet as a bean
 * local to its route, and that route's policy.
 * <ul>
 * <li>The conversation: a group ({@code kind = group}, the group's messages; outbound, {@code *}: every group
 * of the app), or a user ({@code kind = user}, that user's direct conversations: what they send and what they
 * receive).</li>
 * <li>Outbound: while the route runs, the webhooks publisher also publishes message-sent and
 * message-delivered of the covered conversations to the bridge's partition queues ({@link Webhooks#watch},
 * a conversation always to the same one); {@link #outgoing} picks the messages to forward from what arrives
 * and renders them.</li>
 * <li>Inbound: {@link #incoming} turns a message of the other system into the message its mapped Chat21 user
 * sends, which then goes through the send pipeline as any other. It carries {@code attributes.bridge = <id>}:
 * outbound skips those, so what came in is never sent back out (no loops).</li>
 * </ul>
 * Users of the other system are mapped by {@link #setUsers}: {@code <external id>=<chat21 id>[/<full name>]},
 * comma-separated; an unmapped one is {@code <userPrefix><external id>} with the name the system gives,
 * unless {@code unmapped = drop}.
 */
public class Bridge extends RoutePolicySupport {
    public static final String GROUP = "group";
    public static final String USER = "user";

    private String id;
    private String appId;
    private String conversation;
    private String kind = GROUP;
    private String conversationName;
    private String userPrefix;
    private boolean dropUnmapped;
    private byte[] secret = new byte[0];
    private Map<String, BridgeUsers.Mapped> users = Map.of();
    private boolean outbound;
    private int partitions = 16;
    private String queue;
    private volatile CamelContext context;
    private volatile Webhooks.Watch watching;
    private volatile long startedAt = System.currentTimeMillis();

    // --- settings (the Kamelet's properties) -----------------------------------------------------------

    public void setId(String id) {
        this.id = Ids.require("bridge id", id);
    }

    public void setAppId(String appId) {
        this.appId = Ids.require("bridge appId", appId);
    }

    /** A group or user id; {@code *} (outbound, kind group): every group of the app. */
    public void setConversation(String conversation) {
        this.conversation = Webhooks.Watch.ALL.equals(conversation) ? conversation : Ids.require("bridge conversation", conversation);
    }

    /** Outbound: how many partition queues (conversations delivered in parallel, each in its order). */
    public void setPartitions(int partitions) {
        if (partitions < 1 || partitions > 256) {
            throw new IllegalArgumentException("bridge partitions must be 1 to 256, not " + partitions);
        }
        this.partitions = partitions;
    }

    /** Outbound: the prefix of its partition queues ({@code <queue>.<n>}). */
    public void setQueue(String queue) {
        this.queue = queue;
    }

    /** {@code group} or {@code user} */
    public void setKind(String kind) {
        if (!GROUP.equals(kind) && !USER.equals(kind)) {
            throw new IllegalArgumentException("bridge kind must be group or user, not '" + kind + "'");
        }
        this.kind = kind;
    }

    public void setConversationName(String conversationName) {
        this.conversationName = conversationName == null || conversationName.isBlank() ? null : conversationName;
    }

    public void setUsers(String users) {
        this.users = BridgeUsers.parse(users);
    }

    public void setUserPrefix(String userPrefix) {
        this.userPrefix = userPrefix;
    }

    /** {@code allow} (default): an unmapped user gets an id of its own; {@code drop}: its messages are dropped */
    public void setUnmapped(String unmapped) {
        if (!"allow".equals(unmapped) && !"drop".equals(unmapped)) {
            throw new IllegalArgumentException("bridge unmapped must be allow or drop, not '" + unmapped + "'");
        }
        this.dropUnmapped = "drop".equals(unmapped);
    }

    /** The shared secret of an incoming HTTP endpoint ("" = the endpoint refuses everything). */
    public void setSecret(String secret) {
        this.secret = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
    }

    /** true for the bean of an outbound route: its route policy watches the conversation's timeline. */
    public void setOutbound(boolean outbound) {
        this.outbound = outbound;
    }

    // --- route policy: the outbound route's events exist while it runs ----------------------------------

    @Override
    public void onInit(Route route) {
        context = route.getCamelContext();
        if (Webhooks.Watch.ALL.equals(conversation) && !(outbound && GROUP.equals(kind))) {
            throw new IllegalArgumentException("bridge " + id + ": conversation * (every group of the app) is for an "
                    + "outbound bridge of kind group only");
        }
    }

    @Override
    public void onStart(Route route) {
        context = route.getCamelContext();
        startedAt = System.currentTimeMillis();
        if (outbound && watching == null) {
            watching = new Webhooks.Watch(appId, GROUP.equals(kind), conversation, queue, partitions);
            webhooks().watch(watching);
        }
    }

    @Override
    public void onStop(Route route) {
        if (watching != null) {
            webhooks().unwatch(watching);
            watching = null;
        }
    }

    @Override
    public void onRemove(Route route) {
        onStop(route);
    }

    private Webhooks webhooks() {
        return context.getRegistry().lookupByNameAndType("webhooks", Webhooks.class);
    }

    // --- outbound ------------------------------------------------------------------------------------------

    /**
     * The message an event tells, as the other system is sent it, or null when this bridge does not forward
     * it: not a message event, not this conversation's, an info message (group notices), no text, or a
     * message that came in through this bridge.
     *
     * @param event     the event's JSON (webhooks.WebhookEvents)
     * @param eventType its {@code X-Chat21-Event-Type} header
     * @return {@code bridge, app_id, message_id, channel_type, conversation, sender, sender_fullname,
     * recipient, recipient_fullname, text, timestamp} and {@code line} ("<sender_fullname>: <text>")
     */
    public Map<String, Object> outgoing(byte[] event, String eventType) {
        Map<String, Object> json = Json.readMap(event);
        Object timeline = json.get("recipient_id");
        if (!(json.get("data") instanceof Map<?, ?> raw) || !appId.equals(json.get("app_id")) || timeline == null
                || !(conversation.equals(timeline) || Webhooks.Watch.ALL.equals(conversation))) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) raw;
        Object channel = data.get("channel_type");
        boolean wanted = GROUP.equals(kind)
                ? WebhookEvents.MESSAGE_SENT.equals(eventType) && MessageFactory.GROUP.equals(channel)
                : (WebhookEvents.MESSAGE_SENT.equals(eventType) || WebhookEvents.MESSAGE_DELIVERED.equals(eventType))
                && MessageFactory.DIRECT.equals(channel);
        if (!wanted) {
            return null;
        }
        Map<?, ?> attributes = data.get("attributes") instanceof Map<?, ?> a ? a : Map.of();
        if (id.equals(attributes.get("bridge")) || "info".equals(attributes.get("subtype"))) {
            return null;
        }
        String text = data.get("text") instanceof String t ? t : "";
        if (text.isBlank()) {
            return null;
        }
        String senderName = data.get("sender_fullname") instanceof String n && !n.isBlank() ? n
                : String.valueOf(data.get("sender"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bridge", id);
        out.put("app_id", appId);
        out.put("message_id", data.get("message_id"));
        out.put("channel_type", channel);
        out.put("conversation", timeline);
        out.put("sender", data.get("sender"));
        out.put("sender_fullname", senderName);
        out.put("recipient", data.get("recipient"));
        out.put("recipient_fullname", data.get("recipient_fullname"));
        out.put("text", text);
        out.put("timestamp", data.get("timestamp"));
        out.put("line", senderName + ": " + text);
        return out;
    }

    // --- inbound -------------------------------------------------------------------------------------------

    /**
     * The message a user of the other system sends into the conversation, ready for the send pipeline
     * ({@code direct:enqueue}), or null when it is dropped (no text, an unmapped user with
     * {@code unmapped = drop}). Its id derives from the external message's id, so the same external message
     * polled or posted twice is accepted once.
     *
     * @param externalId        the user's id in the other system
     * @param externalName      the name the other system gives them (null: none)
     * @param text              what they wrote
     * @param externalMessageId the message's id in the other system (null: none, no protection from repeats)
     */
    public Map<String, Object> incoming(String externalId, String externalName, String text, String externalMessageId) {
        return incoming(externalId, externalName, text, externalMessageId, userPrefix);
    }

    /**
     * {@link #incoming(String, String, String, String)} with the id prefix of an unmapped user given by the source
     * of the message (a source kamelet: the prefix belongs to the other system, not to this conversation).
     */
    public Map<String, Object> incoming(String externalId, String externalName, String text, String externalMessageId,
                                        String userPrefix) {
        if (text == null || text.isBlank() || externalId == null || externalId.isBlank()) {
            return null;
        }
        BridgeUsers.Mapped user = users.get(externalId);
        if (user == null) {
            if (dropUnmapped) {
                return null;
            }
            user = BridgeUsers.unmapped(userPrefix, externalId, externalName);
        }
        String recipientName = conversationName != null ? conversationName : conversation;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("recipient_id", conversation);
        body.put("recipient_fullname", recipientName);
        body.put("sender_fullname", user.fullname());
        body.put("text", text);
        body.put("type", "text");
        body.put("channel_type", GROUP.equals(kind) ? MessageFactory.GROUP : MessageFactory.DIRECT);
        body.put("attributes", Map.of("bridge", id, "bridge_user", externalId));
        String key = externalMessageId == null || externalMessageId.isBlank() ? null
                : BridgeUsers.idempotencyKey(id, externalMessageId);
        return messageFactory().build(new Caller(user.id(), appId, false), appId, Json.writeBytes(body), key);
    }

    /**
     * Whether a message of the other system, stamped {@code seconds[.fraction]} since the epoch (Slack's
     * {@code ts}), was written since the route started (false for an unreadable stamp).
     */
    public boolean postedSinceStart(String ts) {
        try {
            return (long) (Double.parseDouble(ts) * 1000) >= startedAt;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * A message POSTed to a generic incoming endpoint: {@code {"user_id", "user_name"?, "text", "id"?}}, or
     * null for an echo of what this bridge POSTed out ({@code chat21.bridge} = this bridge) or a dropped one.
     */
    public Map<String, Object> incomingJson(byte[] body) {
        var json = Json.parseObject(body);
        if (json.get("chat21") != null && json.get("chat21").isObject()
                && id.equals(json.get("chat21").path("bridge").asText(null))) {
            return null;
        }
        String user = Json.requiredString(json, "user_id");
        String name = Json.optionalString(json, "user_name");
        String text = Json.requiredString(json, "text");
        String messageId = Json.optionalString(json, "id");
        if (text.isBlank()) {
            throw ApiException.badRequest("text must not be empty");
        }
        return incoming(user, name, text, messageId);
    }

    /**
     * What an outgoing HTTP bridge POSTs: a message as {@link #outgoing} rendered it, marked as its bridge's
     * ({@code chat21.bridge}) so that an echo of it is ignored ({@link #incomingJson}).
     */
    public static Map<String, Object> marked(Map<String, Object> message) {
        Map<String, Object> out = new LinkedHashMap<>(message);
        out.put("chat21", Map.of("bridge", message.get("bridge")));
        return out;
    }

    /** 401 unless {@code authorization} is {@code Bearer <secret>} (constant-time); always 401 with no secret. */
    public void requireSecret(String authorization) {
        byte[] given = authorization != null && authorization.startsWith("Bearer ")
                ? authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (secret.length == 0 || !MessageDigest.isEqual(given, secret)) {
            throw ApiException.unauthorized("invalid bridge secret");
        }
    }

    private MessageFactory messageFactory() {
        return context.getRegistry().lookupByNameAndType("messageFactory", MessageFactory.class);
    }

    /** For tests: the context the beans come from, as the route policy sets it. */
    void useContext(CamelContext context) {
        this.context = context;
    }
}
