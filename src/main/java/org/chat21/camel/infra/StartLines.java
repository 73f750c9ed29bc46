package org.chat21.camel.infra;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.PropertyInject;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.operations.GracefulShutdown;
import org.slf4j.Logger;

/**
 * The last configuration. No routes = a service that serves nothing: say so and stop (Application exits 1); else
 * the start lines, once everything else has started, at INFO on a logger kept at INFO (logback.xml), so that they
 * survive LOG_LEVEL=WARN without a WARN that log monitors would alert on.
 */
public class StartLines implements CamelConfiguration {
    private static final Logger START = GracefulShutdown.START_LOG;
    private final StoreSetup store;
    private final BrokerSetup broker;

    @PropertyInject("chat21.version")
    String version;
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject("camel.rest.context-path")
    String basePath;

    StartLines(StoreSetup store, BrokerSetup broker) {
        this.store = store;
        this.broker = broker;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        GracefulShutdown shutdown = Wiring.bound(context, "gracefulShutdown", GracefulShutdown.class);
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                if (started.getRoutes().isEmpty()) {
                    throw new IllegalStateException(Wiring.noRoutes(
                            started.resolvePropertyPlaceholders("{{camel.main.routes-include-pattern}}")));
                }
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                String management = started.resolvePropertyPlaceholders("{{camel.management.port}}");
                START.info("chat21-camel {} started: store = {}; broker = {}; HTTP port {}, management port {}; {} routes",
                        version, store.mode(), broker.mode(), httpPort, management, started.getRoutes().size());
                String api = "http://localhost:" + httpPort;
                String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
                START.info("API {}{}, OpenAPI {}{}/openapi.json, demo page {}/chat/; health http://localhost:{}/observe/health, "
                        + "metrics http://localhost:{}/observe/metrics", api, base, api, base, api, management, management);
                START.info(shutdown.warmsUp() ? "warming up before ready (WARMUP): the API and readiness answer 503 until it is done"
                        : "ready: accepting requests");
            }
        });
    }
}
