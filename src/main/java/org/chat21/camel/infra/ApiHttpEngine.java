package org.chat21.camel.infra;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * The engine of the platform-http routes, bound to the API server's port. Camel's engine finds its port by
 * looking for the one Vert.x server in the registry; with the management server (health, metrics) there are
 * two, and it falls back to 8080, whose router does not exist here: every API route would fail to start
 * (seen with Camel 4.17.0 and any {@code camel.server.port} other than 8080).
 */
public class ApiHttpEngine extends VertxPlatformHttpEngine {
    private final int port;

    public ApiHttpEngine(int port) {
        this.port = port;
    }

    @Override
    public int getServerPort() {
        return port;
    }
}
