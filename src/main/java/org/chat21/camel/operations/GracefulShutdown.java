package org.chat21.camel.operations;

import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.spi.ResourceReloadStrategy;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.service.ServiceHelper;
import org.chat21.camel.api.JsonErrorPages;
import org.chat21.camel.batch.BatchComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Requests during start-up get 503 with {@code Retry-After} until every route is started (and the warm-up done). A stop (SIGTERM, or
 * the context stopped) loses nothing and answers every request: before Camel stops
 * any route, new HTTP requests are answered 503 with {@code Retry-After} (never the 404 of a route already
 * gone), the requests in flight are finished, and the messages handed to the delivery queue are delivered;
 * then Camel's graceful route shutdown lets the consumers finish their current jobs and ack, and the
 * embedded store and broker, the first services added, stop last. Readiness goes DOWN as the stop begins,
 * so that a load balancer stops sending.
 */
public class GracefulShutdown extends LifecycleStrategySupport implements ExtendedStartupListener {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);
    /**
     * The start lines (this gate's "ready", and infra.StartLines'): INFO on a logger that logback.xml keeps at INFO
     * whatever LOG_LEVEL says, so that LOG_LEVEL=WARN keeps them without a WARN for log monitors to alert on
     */
    public static final Logger START_LOG = LoggerFactory.getLogger("org.chat21.camel.start");
    /** seconds a client is told to wait: another instance, or this one restarted, will answer by then */
    static final String RETRY_AFTER = "5";

    private final int port;
    private final long drainMs;
    private final BatchComponent deliveries;
    private final Predicate<String> longLived;
    private volatile Warmup warmup;
    /** whether a warm-up was asked for ({@link #warmFirst}), for the start lines */
    private volatile boolean warmsUp;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean stopping;
    /** false until every route is started (and the warm-up done): requests meanwhile get 503, not the 404 of a route not there yet */
    private volatile boolean serving;
    private volatile boolean mounted;

    /**
     * @param drainMs   how long the stop waits for requests in flight, then as long again for the delivery queue
     * @param longLived paths of requests that never end by themselves (event streams): not waited for
     */
    public GracefulShutdown(int port, long drainMs, BatchComponent deliveries, Predicate<String> longLived) {
        this.port = port;
        this.drainMs = drainMs;
        this.deliveries = deliveries;
        this.longLived = longLived;
    }

    /** For the readiness check: throws until the gate lets requests through, and once the stop has begun. */
    public void requireAccepting() {
        if (stopping) {
            throw new IllegalStateException("shutting down");
        }
        if (!serving) {
            throw new IllegalStateException(warmup != null ? "warming up" : "starting");
        }
    }

    /** Once every route has started, this warm-up runs before the gate opens (its own requests pass). */
    public void warmFirst(Warmup warmup) {
        this.warmsUp = true;
        this.warmup = warmup.enabled() ? warmup : null;
    }

    /** Whether a warm-up was asked for before the gate opens (the start lines say so). */
    public boolean warmsUp() {
        return warmsUp;
    }

    @Override
    public void onCamelContextStarting(CamelContext context, boolean alreadyStarted) {
        // the API server may listen before the context has started: the earlier the gate, the shorter the moment
        // in which its empty router answers 404 (ShutdownIT met one)
        mount(context, false);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // as early as the router exists: while the routes are still being added, 503 rather than a 404
        mount(context, false);
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        mount(context, true);
        Warmup first = warmup;
        if (first == null) {
            serving = true;
            return;
        }
        // on a thread of its own: the warm-up's requests need the start-up to have returned (the HTTP server's
        // start may wait for it); readiness stays DOWN until it is done
        Thread thread = new Thread(() -> {
            try {
                first.run();
            } finally {
                warmup = null;
                serving = true;
                START_LOG.info("ready after the warm-up: accepting requests");
            }
        }, "warm-up-start");
        thread.setDaemon(true);
        thread.start();
    }

    private void mount(CamelContext context, boolean last) {
        if (mounted) {
            return;
        }
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            if (last) {
                LOG.warn("no Vert.x router found for port {}; requests during a stop will not be drained", port);
            }
            return;
        }
        router.route().order(Integer.MIN_VALUE).handler(this::gate);
        mounted = true;
    }

    private void gate(RoutingContext ctx) {
        Warmup warming = warmup;
        if (!stopping && !serving && warming != null && warming.admits(ctx.request().getHeader(Warmup.HEADER))) {
            ctx.next();
            return;
        }
        if (stopping || !serving) {
            ctx.response().putHeader("Retry-After", stopping ? RETRY_AFTER : "1");
            if (stopping) {
                ctx.response().putHeader("Connection", "close");
            }
            JsonErrorPages.end(ctx, 503, stopping ? "service is shutting down, try again" : "service is starting, try again");
            return;
        }
        if (!longLived.test(ctx.request().path())) {
            inFlight.incrementAndGet();
            ctx.addEndHandler(done -> inFlight.decrementAndGet());
        }
        ctx.next();
    }

    @Override
    public void onContextStopping(CamelContext context) {
        stopping = true;
        Warmup warming = warmup;
        if (warming != null) {
            warming.cancel();
        }
        // no route reload while the routes stop (Camel's stop and a reload racing end in an exception)
        for (ResourceReloadStrategy reload : context.hasServices(ResourceReloadStrategy.class)) {
            ServiceHelper.stopService(reload);
        }
        long started = System.currentTimeMillis();
        try {
            int requests = inFlight.get();
            boolean answered = awaitRequests(drainMs);
            boolean delivered = deliveries == null || deliveries.awaitIdle(drainMs);
            long took = System.currentTimeMillis() - started;
            if (answered && delivered) {
                LOG.info("stopping: new requests refused (503); {} request(s) in flight answered, queued deliveries done"
                        + " in {} ms", requests, took);
            } else {
                LOG.warn("stopping after {} ms with {} request(s) unanswered{}; what was accepted is in the outbox "
                        + "and the relay delivers it", took, inFlight.get(), delivered ? "" : " and deliveries queued");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitRequests(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (inFlight.get() > 0) {
            if (System.currentTimeMillis() >= deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
