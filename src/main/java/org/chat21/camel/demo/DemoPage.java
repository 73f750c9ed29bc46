package org.chat21.camel.demo;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import org.chat21.camel.common.Json;

import java.util.Map;

/**
 * The demo page at {@code /chat/}: one HTML file, one script and a style sheet from the jar
 * ({@code src/main/resources/chat/}), served by Vert.x's StaticHandler on the API server's router (content
 * types, ETags and path checks included), and {@code /chat/config.json} telling the page the API's base path
 * (BASEURL). The page only calls the public API with the token pasted into it.
 */
public final class DemoPage {
    private DemoPage() {
    }

    /** Mounts the page on {@code router}; {@code apiBase}: BASEURL. */
    public static void mount(Router router, String apiBase) {
        String config = Json.write(Map.of("api", apiBase.endsWith("/") ? apiBase.substring(0, apiBase.length() - 1) : apiBase));
        // "/chat" (a route path matches with or without its trailing slash): the page's relative URLs need "/chat/"
        router.route(HttpMethod.GET, "/chat").handler(ctx -> {
            if (ctx.request().path().equals("/chat")) {
                ctx.redirect("/chat/");
            } else {
                ctx.next();
            }
        });
        // nothing but this origin: the page loads no script, style or data from anywhere else
        router.route("/chat/*").handler(ctx -> {
            ctx.response().putHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
                    .putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        });
        router.route(HttpMethod.GET, "/chat/config.json").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-cache").end(config));
        router.route("/chat/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(StaticHandler.create("chat").setMaxAgeSeconds(60)
                .setIndexPage("index.html"));
    }
}
