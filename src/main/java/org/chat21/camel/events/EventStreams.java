package org.chat21.camel.events;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.support.service.ServiceSupport;
import org.chat21.camel.api.Authenticator;
import org.chat21.camel.api.JsonErrorPages;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET {BASEURL}/{app_id}/{user_id}/events}: the user's timeline as server-sent events, for clients
 * that have no MQTT (integration platforms, server-side bots, the embedded mode). A Vert.x handler on the API
 * router rather than a route: a route answers once and holds a worker thread until then, while a stream stays
 * open for hours and must write as events come (EventsConfig mounts it). Authentication is the API's
 * ({@link Authenticator}: the token from the Authorization header or the {@code jwt} / {@code token} query
 * parameter, since browsers' EventSource sends no headers; only that user or an admin of the app) and
 * refusals are the API's JSON errors. Streams are counted per user and in all (429 / 503 beyond), and all
 * closed when the service stops. Bound as {@code eventStreams}.
 */
public class EventStreams extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);

    /**
     * @param keepAliveMs a comment line this often, so that proxies and clients see the stream alive
     * @param retryMs     the reconnect delay the stream advises (SSE {@code retry:})
     * @param maxStreams  open streams of this instance at most (503 beyond)
     * @param maxPerUser  open streams of one user at most (429 beyond)
     * @param buffer      events a stream holds for a slow reader; one more closes the stream
     * @param prefetch    deliveries in flight from the broker per stream
     * @param maxQueued   the cap (drop-head) of each stream's broker queue, a guard behind the buffer
     * @param replayPage  copies read from the store at a time while replaying
     */
    public record Settings(long keepAliveMs, long retryMs, int maxStreams, int maxPerUser, int buffer, int prefetch,
                           int maxQueued, int replayPage) {
    }

    private final Authenticator authenticator;
    private final ConnectionFactory connections;
    private final String exchange;
    private final TimelineReplay replay;
    private final Settings settings;
    private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> perUser = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    // subscribing, replay pages and unsubscribing block: never on an event loop, never on a route's worker
    private final ExecutorService blocking;
    private volatile boolean stopping;

    public EventStreams(Authenticator authenticator, ConnectionFactory connections, String exchange,
                        com.mongodb.client.MongoDatabase db, Settings settings) {
        this.authenticator = authenticator;
        this.connections = connections;
        this.exchange = exchange;
        this.replay = new TimelineReplay(db);
        this.settings = settings;
        AtomicInteger threads = new AtomicInteger();
        this.blocking = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "chat21-events-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    Settings settings() {
        return settings;
    }

    /** Open streams of this instance. */
    public int openStreams() {
        return open.size();
    }

    /**
     * Puts the handler on the API server's router (once Camel's routes are on it), ahead of the REST routes
     * (a user id could otherwise match one of their path parameters). {@code basePath}: BASEURL.
     */
    public void mount(Router router, String basePath) {
        String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
        router.route(HttpMethod.GET, base + "/:app_id/:user_id/events").order(Integer.MIN_VALUE + 1).handler(this::handle);
    }

    /** The Vert.x handler of {@code GET {BASEURL}/:app_id/:user_id/events} (on the request's event loop). */
    public void handle(RoutingContext ctx) {
        String appId = ctx.pathParam("app_id");
        String userId = ctx.pathParam("user_id");
        TimelineEvent.Position from;
        try {
            Caller caller = authenticator.caller(ctx.request().getHeader("Authorization"), ctx.request().query(), null);
            authenticator.requirePath(caller, appId, userId, null, null, null);
            authenticator.requireOwnTimeline(caller, userId);
            String last = ctx.request().getHeader("Last-Event-ID");
            if (last == null || last.isBlank()) {
                last = ctx.request().getParam("last_event_id");
            }
            from = last == null || last.isBlank() ? null : TimelineEvent.parsePosition(last);
            reserve(appId, userId);
        } catch (ApiException e) {
            if (e.status() == 429 || e.status() == 503) {
                ctx.response().putHeader("Retry-After", String.valueOf(Math.max(1, settings.retryMs() / 1000)));
            }
            refuse(ctx.response(), e.status(), e.getMessage());
            return;
        }
        Context context = Vertx.currentContext() != null ? Vertx.currentContext() : ctx.vertx().getOrCreateContext();
        EventStream stream = new EventStream(this, ctx.response(), context, appId, userId, from);
        open.add(stream);
        stream.start();
    }

    /** A place for one more stream of this user, or the refusal. */
    private void reserve(String appId, String userId) {
        if (stopping) {
            throw new ApiException(503, "service is stopping");
        }
        if (total.incrementAndGet() > settings.maxStreams()) {
            total.decrementAndGet();
            throw new ApiException(503, "too many event streams on this instance, try again later");
        }
        AtomicInteger mine = perUser.computeIfAbsent(key(appId, userId), k -> new AtomicInteger());
        if (mine.incrementAndGet() > settings.maxPerUser()) {
            mine.decrementAndGet();
            total.decrementAndGet();
            throw new ApiException(429, "too many event streams for this user (at most " + settings.maxPerUser() + ")");
        }
    }

    /** A stream has ended: its places are free again. */
    void released(EventStream stream) {
        if (open.remove(stream)) {
            total.decrementAndGet();
            perUser.computeIfPresent(key(stream.appId, stream.userId), (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
    }

    TimelineSubscription subscribe(String appId, String userId, TimelineSubscription.Listener listener) throws IOException {
        return TimelineSubscription.open(connections, exchange, "apps." + appId + ".users." + userId + ".#",
                settings.prefetch(), settings.maxQueued(), listener);
    }

    TimelineReplay.Page replay(String appId, String userId, TimelineEvent.Position after) {
        return replay.page(appId, userId, after, settings.replayPage());
    }

    void runBlocking(Runnable task) {
        try {
            blocking.execute(task);
        } catch (RejectedExecutionException e) {
            // stopping: done here
            task.run();
        }
    }

    static void refuse(HttpServerResponse response, int status, String err) {
        JsonErrorPages.end(response, status, err);
    }

    private static String key(String appId, String userId) {
        return appId + "/" + userId;
    }

    @Override
    protected void doStart() {
        stopping = false;
    }

    /** Every open stream ends (clients reconnect elsewhere and resume) and its queue goes, before the broker connection. */
    @Override
    protected void doStop() throws InterruptedException {
        stopping = true;
        int n = open.size();
        for (EventStream stream : Set.copyOf(open)) {
            stream.close("the service is stopping");
        }
        blocking.shutdown();
        if (!blocking.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("event streams: unsubscribing took over 5 s; the queues go with the broker connection");
        }
        if (n > 0) {
            LOG.info("closed {} event stream(s)", n);
        }
    }
}
