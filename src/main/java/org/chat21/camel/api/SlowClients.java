package org.chat21.camel.api;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds what one client can hold on the HTTP servers: a new connection must deliver its first request's
 * headers within {@code readTimeoutMs} (a kept-alive one its next request's within the idle timeout), and a
 * request's body must arrive within
 * {@code readTimeoutMs} of its headers, else it is closed; a connection idle for {@code idleTimeoutSeconds}
 * is closed; one address holds at most {@code maxPerClient} connections (more are closed at once). A client
 * trickling a byte every few seconds (slowloris) thus holds a connection for seconds, not forever.
 */
public final class SlowClients {
    private static final Logger LOG = LoggerFactory.getLogger(SlowClients.class);

    private final long readTimeoutMs;
    private final int idleTimeoutSeconds;
    private final int maxPerClient;
    private final Map<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
    /** connections waiting for their next request's headers, with the timer that closes them */
    private final Map<HttpConnection, Long> awaitingHeaders = new ConcurrentHashMap<>();

    public SlowClients(long readTimeoutMs, int idleTimeoutSeconds, int maxPerClient) {
        this.readTimeoutMs = readTimeoutMs;
        this.idleTimeoutSeconds = idleTimeoutSeconds;
        this.maxPerClient = maxPerClient;
    }

    /** The server's options: idle connections closed. */
    public void configure(HttpServerOptions options) {
        if (idleTimeoutSeconds > 0) {
            options.setIdleTimeout(idleTimeoutSeconds);
        }
    }

    /** Every new connection: counted per address, and given {@code readTimeoutMs} for its first request's headers. */
    public void onConnection(Vertx vertx, HttpConnection connection) {
        String client = address(connection);
        if (client != null && maxPerClient > 0) {
            AtomicInteger open = perClient.computeIfAbsent(client, c -> new AtomicInteger());
            if (open.incrementAndGet() > maxPerClient) {
                LOG.debug("closing a connection of {}: over {} connections", client, maxPerClient);
                release(client);
                connection.close();
                return;
            }
        }
        connection.closeHandler(closed -> {
            Long timer = awaitingHeaders.remove(connection);
            if (timer != null) {
                vertx.cancelTimer(timer);
            }
            if (client != null && maxPerClient > 0) {
                release(client);
            }
        });
        awaitHeaders(vertx, connection, readTimeoutMs);
    }

    /** First on the router: the headers came; the body now has {@code readTimeoutMs}, the next request too. */
    public void onRequest(RoutingContext ctx) {
        HttpConnection connection = ctx.request().connection();
        Vertx vertx = ctx.vertx();
        Long timer = connection == null ? null : awaitingHeaders.remove(connection);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
        if (readTimeoutMs > 0 && !ctx.request().isEnded()) {
            long body = vertx.setTimer(readTimeoutMs, id -> {
                if (!ctx.request().isEnded() && !ctx.response().ended()) {
                    LOG.debug("closing a connection whose request body did not arrive within {} ms", readTimeoutMs);
                    ctx.response().putHeader("Connection", "close");
                    JsonErrorPages.end(ctx, 408, "request body not received in time");
                    ctx.request().connection().close();
                }
            });
            ctx.addEndHandler(done -> vertx.cancelTimer(body));
        }
        if (connection != null) {
            // keep-alive: the next request's headers are awaited as long as an idle connection is kept (a client
            // may pause between requests), and no longer
            ctx.addEndHandler(done -> awaitHeaders(vertx, connection, Math.max(readTimeoutMs, idleTimeoutSeconds * 1000L)));
        }
        ctx.next();
    }

    private void awaitHeaders(Vertx vertx, HttpConnection connection, long timeoutMs) {
        if (readTimeoutMs <= 0) {
            return;
        }
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (awaitingHeaders.remove(connection) != null) {
                // no complete request line and headers in time: a slow or idle client; let it reconnect
                connection.close();
            }
        });
        Long previous = awaitingHeaders.put(connection, timer);
        if (previous != null) {
            vertx.cancelTimer(previous);
        }
    }

    private void release(String client) {
        perClient.computeIfPresent(client, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** The peer's IP address as text (what a proxy in front would make one client: see docs/operations.md, HTTP_MAX_CONNECTIONS_PER_CLIENT). */
    private static String address(HttpConnection connection) {
        return connection.remoteAddress() == null ? null : connection.remoteAddress().host();
    }
}
