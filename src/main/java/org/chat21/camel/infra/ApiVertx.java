package org.chat21.camel.infra;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.impl.VertxWrapper;
import org.chat21.camel.api.SlowClients;

/**
 * Workaround: the Vert.x instance of the HTTP servers (Camel's platform-http servers take the one in the
 * registry). It exists for what Camel 4.17 does not let us configure on the servers it creates, all of which
 * must be set before a server listens: the handler of requests Vert.x refuses before any route runs (a request
 * line or headers over its limits: JSON, not a bare 414/431), a connection handler ({@link SlowClients}:
 * connections per address), and h2c upgrades off. {@code VertxPlatformHttpServerConfiguration} has no server
 * options or customizer, and {@code VertxPlatformHttpServer} creates its server in a protected method that
 * camel-main's {@code camel.server.*} gives no way to replace. A delegate over the public {@code Vertx}
 * interface would not do either: Vert.x's own code casts the instance to {@code VertxInternal}, so this extends
 * Vert.x's internal {@code VertxWrapper}. Upstream: no Camel issue asks for a server customizer (searched); the
 * one to file is "platform-http-vertx: a hook to customize the HttpServer/HttpServerOptions before listen".
 * {@code ApiErrorsIT} fails if an upgrade breaks this (the 414 no longer JSON); {@code ApiVertxTest} fails
 * when Camel's configuration gains such a hook (then use it and delete this). Camel does not close a Vert.x
 * it did not create: {@link #close()} is called when the context has stopped (HttpSetup).
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
