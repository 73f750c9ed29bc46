package org.chat21.camel.demo;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.common.Wiring;

/** The demo page on the API router, once Camel's routes are on it. */
public class DemoConfig implements CamelConfiguration {
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject("camel.rest.context-path")
    String basePath;

    @Override
    public void configure(CamelContext context) throws Exception {
        Wiring.whenFullyStarted(context, started -> {
            DemoPage.mount(Wiring.router(started, httpPort, "the demo page"), basePath);
        });
    }
}
