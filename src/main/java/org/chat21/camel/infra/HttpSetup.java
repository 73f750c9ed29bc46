package org.chat21.camel.infra;

import io.vertx.core.VertxOptions;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.chat21.camel.api.JsonErrorPages;
import org.chat21.camel.api.SlowClients;
import org.chat21.camel.common.Wiring;

/**
 * The HTTP servers: the API routes' engine and the servers' Vert.x, JSON for what Vert.x answers itself, slow
 * clients bounded ({@code chat21.http.*}). Listed after the features: their handlers on the API router
 * ({@code order(Integer.MIN_VALUE)} ones: the shutdown gate) go in first.
 */
public class HttpSetup implements CamelConfiguration {
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject("camel.server.max-body-size")
    long maxBodyBytes;
    @PropertyInject("chat21.http.read-timeout-ms")
    long httpReadTimeoutMs;
    @PropertyInject("chat21.http.idle-timeout-seconds")
    int httpIdleTimeoutSeconds;
    @PropertyInject("chat21.http.max-connections-per-client")
    int httpMaxConnectionsPerClient;

    @Override
    public void configure(CamelContext context) throws Exception {
        // the API routes' HTTP engine, on the API server whatever else listens (the management server)
        context.getRegistry().bind("platform-http-engine", new ApiHttpEngine(httpPort));
        // the HTTP servers' Vert.x (with routes/beans.yaml's vertxOptions, as Camel's own would take), so that what
        // Vert.x refuses before any route (a 10 KB path) is JSON too
        VertxOptions vertxOptions = context.getRegistry().lookupByNameAndType("vertxOptions", VertxOptions.class);
        SlowClients slowClients = new SlowClients(httpReadTimeoutMs, httpIdleTimeoutSeconds, httpMaxConnectionsPerClient);
        ApiVertx vertx = new ApiVertx(vertxOptions != null ? vertxOptions : new VertxOptions(), JsonErrorPages::invalidRequest,
                slowClients);
        context.getRegistry().bind("vertx", vertx);
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStoppedEvent) {
                    vertx.close();
                }
            }
        });
        context.addStartupListener(new JsonErrorPages(httpPort, maxBodyBytes));
        Wiring.whenFullyStarted(context, started -> {
            Wiring.router(started, httpPort, "slow clients").route().order(Integer.MIN_VALUE).handler(slowClients::onRequest);
        });
    }
}
