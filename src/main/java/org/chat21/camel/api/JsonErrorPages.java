package org.chat21.camel.api;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.chat21.camel.common.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Vert.x would answer before a route runs gets the same JSON error body as everything else: a
 * declared Content-Length over the limit is refused up front with 413, a chunked body is cut off at
 * the limit by Vert.x and answered with the same JSON 413, a path with an empty segment ({@code //}) is a
 * JSON 400 (Vert.x would fold it away and match another route), and unknown paths get a JSON 404.
 */
public final class JsonErrorPages implements ExtendedStartupListener {
    private static final Logger LOG = LoggerFactory.getLogger(JsonErrorPages.class);
    private final int port;
    private final long maxBodyBytes;

    public JsonErrorPages(int port, long maxBodyBytes) {
        this.port = port;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            LOG.warn("no Vert.x router found for port {}; framework errors will not be JSON", port);
            return;
        }
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            if (maxBodyBytes > 0 && length != null && tooLarge(length)) {
                end(ctx, 413, "request body too large (limit " + maxBodyBytes + " bytes)");
            } else if (hasEmptySegment(ctx.request().path())) {
                // Vert.x matches routes on the path with "//" folded to "/": .../conversations//messages
                // would read the conversation with "messages"; an empty id is refused instead
                end(ctx, 400, "empty path segment");
            } else {
                ctx.next();
            }
        });
        router.route().order(Integer.MAX_VALUE).handler(ctx -> end(ctx, 404, "not found"));
        // failures raised by Vert.x itself (a chunked body over the limit, an unexpected error)
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            if (status == 413) {
                end(ctx, 413, "request body too large (limit " + maxBodyBytes + " bytes)");
            } else if (status >= 500) {
                LOG.error("request failed in the HTTP layer", ctx.failure());
                end(ctx, status, "internal error");
            } else {
                end(ctx, status, "bad request");
            }
        });
    }

    /** An empty segment ({@code //}) anywhere in the raw path; a trailing slash is not one. */
    static boolean hasEmptySegment(String rawPath) {
        return rawPath != null && rawPath.contains("//");
    }

    private boolean tooLarge(String length) {
        try {
            return Long.parseLong(length.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /**
     * A request Vert.x refused before routing (ApiVertx installs this on the HTTP servers): a request line
     * over its limit is 414, headers over theirs 431, both with the JSON error body and the connection
     * closed; any other malformed request gets Vert.x's own treatment (400 or a closed connection).
     */
    public static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpLineException) {
            endInvalid(request, 414, "request line too long");
        } else if (cause instanceof TooLongHttpHeaderException) {
            endInvalid(request, 431, "request headers too large");
        } else {
            HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(request);
        }
    }

    private static void endInvalid(HttpServerRequest request, int status, String err) {
        request.response().putHeader("Connection", "close");
        end(request.response(), status, err);
    }

    /** Answers with Chat21's JSON error, unless an answer was written already. */
    public static void end(RoutingContext ctx, int status, String err) {
        end(ctx.response(), status, err);
    }

    /**
     * Every JSON error Vert.x handlers write (here, the stop and start gate, slow clients, event streams): a 413
     * closes the connection; otherwise it is kept alive unless the caller asked to close it.
     */
    public static void end(HttpServerResponse response, int status, String err) {
        if (response.ended() || response.closed()) {
            return;
        }
        if (status == 413) {
            response.putHeader("Connection", "close");
        } else if (!response.headers().contains("Connection")) {
            response.putHeader("Connection", "keep-alive");
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.write(Json.error(err)));
    }
}
