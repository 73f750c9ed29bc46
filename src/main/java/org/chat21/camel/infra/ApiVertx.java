package org.chat21.camel.infra;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.chat21.camel.api.SlowClients;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.impl.VertxWrapper;

/**
 * The Vert.x instance of the HTTP servers (Camel's platform-http servers take the one in the registry). It
 * exists for one thing Camel does not let us configure: the handler of requests Vert.x refuses before any
 * route runs (a request line or headers over its limits), which must be set on the server before it
 * listens; and h2c upgrades are off. Camel does not close a Vert.x it did not create: {@link #close()} is
 * called when the context has stopped (HttpSetup). Built on Vert.x's internal {@code VertxWrapper}: check it
 * on a Vert.x upgrade ({@code ApiErrorsIT} fails if the 414 is no longer JSON).
 */
public final class ApiVertx extends VertxWrapper {
    private final Handler<HttpServerRequest> invalidRequests;
    private final SlowClients slowClients;

    public ApiVertx(VertxOptions options, Handler<HttpServerRequest> invalidRequests, SlowClients slowClients) {
        super((VertxInternal) Vertx.vertx(options));
        this.invalidRequests = invalidRequests;
        this.slowClients = slowClients;
    }

    @Override
    public HttpServer createHttpServer(HttpServerOptions options) {
        // no h2c upgrade (Chat21 clients speak HTTP/1.1): Vert.x 4.5 decodes an upgrade attempt on a path
        // that ignores the handler below and answers a long request line with a bare 431
        options.setHttp2ClearTextEnabled(false);
        // slow or greedy clients: idle connections closed, connections per address bounded, request read time
        // bounded (api.SlowClients)
        slowClients.configure(options);
        return super.createHttpServer(options).invalidRequestHandler(invalidRequests)
                .connectionHandler(connection -> slowClients.onConnection(this, connection));
    }

    @Override
    public HttpServer createHttpServer() {
        return createHttpServer(new HttpServerOptions());
    }
}
