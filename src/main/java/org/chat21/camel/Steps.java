package org.chat21.camel;

import org.apache.camel.Exchange;
import org.apache.camel.component.mongodb.MongoDbConstants;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The steps the YAML routes call, each a thin adapter from the exchange to the small beans that hold
 * the logic ({@link TokenVerifier}, {@link MessageFactory}, {@link DeliveryPlanner}, {@link ChatStore},
 * {@link TimelinePublisher}). Bound in the registry as {@code chat}.
 */
public class Steps {
    private static final Logger LOG = LoggerFactory.getLogger(Steps.class);
    public static final String CALLER = "chat21Caller";
    public static final String MESSAGE = "chat21Message";
    public static final String DUPLICATE = "chat21Duplicate";
    public static final String CHANNEL = "chat21Channel";
    public static final String COPIES = "chat21Copies";
    public static final String PENDING = "chat21Pending";
    public static final String KEYED = "chat21Keyed";
    /** clientupdated / clientdeleted publishes a change produces (a list of TimelinePublisher.Publication) */
    public static final String UPDATES = "chat21Updates";
    static final int LIST_LIMIT = 200;
    static final int MAX_LIST_LIMIT = 500;

    private final TokenVerifier tokens;
    private final MessageFactory factory;
    private final DeliveryPlanner planner;
    private final ChatStore store;
    private final TimelinePublisher timelines;
    private final OutboxBookkeeping bookkeeping;
    private final GroupDirectory groups;
    private final BrokerCheck broker;
    private final String version;

    /** Whether the broker can be reached now (a connection is open or can be made). */
    public interface BrokerCheck {
        void requireReachable();
    }

    public Steps(TokenVerifier tokens, MessageFactory factory, DeliveryPlanner planner, ChatStore store,
                 TimelinePublisher timelines, OutboxBookkeeping bookkeeping, GroupDirectory groups, BrokerCheck broker,
                 String version) {
        this.tokens = tokens;
        this.factory = factory;
        this.planner = planner;
        this.store = store;
        this.timelines = timelines;
        this.bookkeeping = bookkeeping;
        this.groups = groups;
        this.broker = broker;
        this.version = version;
    }

    // ---- authentication (spec 1), applied once to every REST route by the API route configuration

    public void authenticate(Exchange exchange) {
        Caller caller = tokens.verify(findToken(exchange));
        String appId = exchange.getMessage().getHeader("app_id", String.class);
        if (appId != null && !appId.equals(caller.appId())) {
            throw ApiException.forbidden("token is not valid for app " + (Ids.isValid(appId) ? appId : "in path"));
        }
        if (appId != null) {
            Ids.require("app_id", appId);
        }
        for (String param : new String[] {"user_id", "convers_with", "group_id", "member_id"}) {
            String value = exchange.getMessage().getHeader(param, String.class);
            if (value != null) {
                Ids.require(param, value);
            }
        }
        exchange.setProperty(CALLER, caller);
    }

    /** Authorization header (raw, {@code JWT } or {@code Bearer }), then query {@code jwt}, {@code JWT}, {@code token}. */
    static String findToken(Exchange exchange) {
        String header = exchange.getMessage().getHeader("Authorization", String.class);
        if (header != null && !header.isBlank()) {
            return withoutPrefix(header);
        }
        String query = exchange.getMessage().getHeader(Exchange.HTTP_RAW_QUERY, String.class);
        if (query == null) {
            query = exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class);
        }
        if (query != null) {
            Map<String, String> params = new LinkedHashMap<>();
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                    params.putIfAbsent(name, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            for (String name : new String[] {"jwt", "JWT", "token"}) {
                if (params.containsKey(name)) {
                    return withoutPrefix(params.get(name));
                }
            }
        }
        return null;
    }

    /** A token may come as is, or prefixed {@code JWT } or {@code Bearer } (any case). */
    static String withoutPrefix(String value) {
        String v = value.trim();
        for (String prefix : new String[] {"JWT ", "Bearer "}) {
            if (v.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return v.substring(prefix.length()).trim();
            }
        }
        return v;
    }

    /** Reads of {@code /{app_id}/{user_id}/...}: only that user, or an admin (spec 3, fix). */
    public void requireOwnTimeline(Exchange exchange) {
        Caller caller = exchange.getProperty(CALLER, Caller.class);
        String userId = exchange.getMessage().getHeader("user_id", String.class);
        if (caller == null || !caller.mayActFor(userId)) {
            throw ApiException.forbidden("you may read only your own timeline");
        }
    }

    // ---- sending (spec 5)

    public void buildMessage(Exchange exchange) {
        Caller caller = exchange.getProperty(CALLER, Caller.class);
        var in = exchange.getMessage();
        byte[] body = in.getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("request body must be a JSON object (Content-Type: application/json)");
        }
        Map<String, Object> message = factory.build(caller, in.getHeader("app_id", String.class),
                body, in.getHeader("Idempotency-Key", String.class));
        exchange.setProperty(MESSAGE, message);
    }

    /** Stores the message in the outbox; a retry of an accepted message is answered with the original. */
    public void accept(Exchange exchange) {
        Map<String, Object> message = message(exchange);
        boolean keyed = exchange.getMessage().getHeader("Idempotency-Key") != null;
        exchange.setProperty(KEYED, keyed);
        Map<String, Object> original = store.accept(message, keyed);
        exchange.setProperty(DUPLICATE, original != null);
        if (original != null) {
            exchange.setProperty(MESSAGE, original);
        }
        exchange.setProperty(CHANNEL, message(exchange).get("channel_type"));
    }

    /** The delivery job as the body of the AMQP message. */
    public byte[] job(Exchange exchange) {
        return Json.writeBytes(message(exchange));
    }

    /**
     * The broker confirmed the job. Recorded in the next bookkeeping batch, except for requests with an
     * Idempotency-Key: their retries must see the confirmed state at once.
     */
    public void confirm(Exchange exchange) {
        String id = (String) message(exchange).get("message_id");
        if (exchange.getProperty(KEYED, false, Boolean.class)) {
            store.confirm(id);
        } else {
            bookkeeping.confirmed(id);
        }
    }

    /**
     * The job could not be handed to the broker: remove the accepted message again and answer 503, so
     * the client knows to retry and nothing half-written stays behind.
     */
    public String discard(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String id = (String) message(exchange).get("message_id");
        try {
            store.discard(id);
        } catch (RuntimeException e) {
            LOG.error("could not discard message {}; the relay will deliver it", id, e);
        }
        LOG.warn("message {} refused, broker unavailable: {}", id, cause == null ? "unknown" : cause.toString());
        return json(exchange, 503, Errors.body("message broker unavailable, try again"));
    }

    public String accepted(Exchange exchange) {
        return json(exchange, 200, success(message(exchange)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> message(Exchange exchange) {
        return exchange.getProperty(MESSAGE, Map.class);
    }

    // ---- delivery (spec 4-5)

    /**
     * Reads a delivery job. Sets {@code chat21Pending} to false when the job was already delivered in
     * full (its outbox entry is gone): the route then only acknowledges it.
     */
    public void readJob(Exchange exchange) {
        Map<String, Object> message;
        try {
            message = Json.readMap(exchange.getMessage().getBody(byte[].class));
        } catch (RuntimeException e) {
            message = null;
        }
        if (message == null || !(message.get("message_id") instanceof String id) || !isRoutable(message)) {
            // not a job this service published: requeueing it would loop forever
            LOG.error("dropping a malformed delivery job: {}", exchange.getMessage().getBody(String.class));
            exchange.setProperty(PENDING, false);
            return;
        }
        exchange.setProperty(MESSAGE, message);
        exchange.setProperty(PENDING, store.isPending(id));
    }

    private static boolean isRoutable(Map<String, Object> message) {
        return Ids.isValid(String.valueOf(message.get("app_id"))) && Ids.isValid(String.valueOf(message.get("sender")))
                && Ids.isValid(String.valueOf(message.get("recipient")));
    }

    public void planDirect(Exchange exchange) {
        exchange.setProperty(COPIES, planner.planDirect(message(exchange)));
    }

    public void planGroup(Exchange exchange) {
        Map<String, Object> message = message(exchange);
        // from the membership cache: no store read while the group is unchanged
        Map<String, Object> group = groups.find((String) message.get("app_id"), (String) message.get("recipient"));
        exchange.setProperty(COPIES, planner.planGroup(message, group));
    }

    @SuppressWarnings("unchecked")
    public void writeCopies(Exchange exchange) {
        store.writeCopies(exchange.getProperty(COPIES, List.class),
                DeliveryPlanner.updatesConversation(message(exchange)));
    }

    @SuppressWarnings("unchecked")
    public void publishCopies(Exchange exchange) throws TimeoutException {
        timelines.publish(exchange.getProperty(COPIES, List.class));
    }

    public void delivered(Exchange exchange) {
        bookkeeping.delivered((String) message(exchange).get("message_id"));
    }

    // ---- relay

    public List<Map<String, Object>> claimStale(long pendingAfterMs, long confirmedAfterMs, int limit) {
        List<Map<String, Object>> stale = store.claimStale(pendingAfterMs, confirmedAfterMs, limit);
        if (!stale.isEmpty()) {
            LOG.warn("relaying {} accepted message(s) whose delivery was not confirmed or not finished", stale.size());
        }
        return stale;
    }

    /** For the relay's split: the outbox message as the exchange's message. */
    @SuppressWarnings("unchecked")
    public void relayed(Exchange exchange) {
        Map<String, Object> message = exchange.getMessage().getBody(Map.class);
        exchange.setProperty(MESSAGE, message);
        exchange.setProperty(CHANNEL, message.get("channel_type"));
    }

    // ---- reading (spec 3), as camel-mongodb findAll criteria

    public void activeConversationsQuery(Exchange exchange) {
        conversationsQuery(exchange, false);
    }

    public void archivedConversationsQuery(Exchange exchange) {
        conversationsQuery(exchange, true);
    }

    private void conversationsQuery(Exchange exchange, boolean archived) {
        var in = exchange.getMessage();
        var criteria = Filters.and(Filters.eq("timelineOf", in.getHeader("user_id", String.class)),
                Filters.eq("app_id", in.getHeader("app_id", String.class)), Filters.eq("archived", archived));
        String conversWith = in.getHeader("convers_with", String.class);
        if (conversWith != null) {
            criteria = Filters.and(criteria, Filters.eq("conversWith", conversWith));
        }
        findAll(exchange, criteria, "conversWith");
    }

    public void messagesQuery(Exchange exchange) {
        var in = exchange.getMessage();
        findAll(exchange, Filters.and(Filters.eq("timelineOf", in.getHeader("user_id", String.class)),
                Filters.eq("conversWith", in.getHeader("convers_with", String.class)),
                Filters.eq("app_id", in.getHeader("app_id", String.class))), "message_id");
    }

    /**
     * Newest first, {@code limit} (1..500, default 200) at a time. {@code before=<timestamp>} (with
     * {@code before_id=<tieField>} of the last item seen, for items sharing that timestamp) continues
     * after the last page: the order is (timestamp, tieField) descending, so every item is seen once.
     */
    private static void findAll(Exchange exchange, org.bson.conversions.Bson criteria, String tieField) {
        var in = exchange.getMessage();
        Paging paging = Paging.of(in.getHeader("limit", String.class), in.getHeader("before", String.class),
                in.getHeader("before_id", String.class), LIST_LIMIT, MAX_LIST_LIMIT);
        if (paging.before() != null) {
            var older = Filters.lt("timestamp", paging.before());
            if (paging.beforeId() != null) {
                older = Filters.or(older, Filters.and(Filters.eq("timestamp", paging.before()),
                        Filters.lt(tieField, paging.beforeId())));
            }
            criteria = Filters.and(criteria, older);
        }
        in.removeHeaders("CamelMongo*");
        in.setHeader(MongoDbConstants.CRITERIA, criteria);
        in.setHeader(MongoDbConstants.SORT_BY, Sorts.descending("timestamp", tieField));
        in.setHeader(MongoDbConstants.LIMIT, paging.limit());
        in.setBody(null);
    }

    /** {@code {"success": true, "result": [...]}} from a camel-mongodb result list. */
    @SuppressWarnings("unchecked")
    public String listResult(Exchange exchange) {
        List<Object> docs = exchange.getMessage().getBody(List.class);
        List<Object> result = new ArrayList<>();
        if (docs != null) {
            for (Object doc : docs) {
                result.add(doc instanceof Document d ? Json.clientView(d) : doc);
            }
        }
        return json(exchange, 200, success(result));
    }

    // ---- shared by the change routes

    /** Before a change that must be announced: 503 up front when the broker is down, so nothing is half done. */
    public void requireBroker() {
        broker.requireReachable();
    }

    /**
     * The clientupdated / clientdeleted publishes a change left in {@code chat21Updates}, with one confirm.
     * They are live notifications of a change that is already stored: if the broker fails right now (it
     * was reachable a moment ago, see {@link #requireBroker}) the change stands and the failure is logged,
     * rather than answering 503 for something that happened.
     */
    @SuppressWarnings("unchecked")
    public void publishUpdates(Exchange exchange) {
        List<TimelinePublisher.Publication> updates = exchange.getProperty(UPDATES, List.class);
        if (updates == null || updates.isEmpty()) {
            return;
        }
        try {
            timelines.publishAll(updates);
        } catch (Exception e) {
            LOG.warn("{} live update(s) not published ({}): {}", updates.size(), updates.get(0).routingKey(), e.toString());
        }
    }

    /** 200 {@code {"success": true}} */
    public String done(Exchange exchange) {
        return json(exchange, 200, ok());
    }

    /** 201 {@code {"success": true}}, as Chat21 answers an archive */
    public String doneCreated(Exchange exchange) {
        return json(exchange, 201, ok());
    }

    static Map<String, Object> ok() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        return body;
    }

    public String info(Exchange exchange) {
        return json(exchange, 200, Map.of("v", version));
    }

    public String banner(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return "chat21-camel v" + version + " (Chat21 HTTP API)";
    }

    // ---- errors (spec 2)

    /** Every failure of an API route becomes {@code {"success": false, "err": ...}} with its status; no stack trace leaves. */
    public String error(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiException api = Errors.find(e, ApiException.class);
        int status;
        String err;
        if (api != null) {
            status = api.status();
            err = api.getMessage();
            if (status >= 500) {
                LOG.warn("{} {}: {}", status, err, api.getCause() == null ? "" : api.getCause().toString());
            }
        } else if (Errors.isUnavailable(e)) {
            status = 503;
            err = "service temporarily unavailable, try again";
            LOG.warn("dependency unavailable: {}", e.toString());
        } else {
            status = 500;
            err = "internal error";
            LOG.error("unexpected failure", e);
        }
        return json(exchange, status, Errors.body(err));
    }

    /** {@code {"success": true, "result": ...}}, keys in Chat21's order. */
    static Map<String, Object> success(Object result) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("result", result);
        return body;
    }

    /** A JSON response; request headers are dropped so none of them is echoed back. */
    static String json(Exchange exchange, int status, Object body) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        return Json.write(body);
    }
}
