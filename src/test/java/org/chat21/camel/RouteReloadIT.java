package org.chat21.camel;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live route reload (camel.main.routes-reload-enabled, as ROUTES_RELOAD=true sets it): editing a route file
 * replaces that file's routes, REST verbs included, without duplicates; the other routes keep serving, with
 * their authentication; a file that does not load leaves the routes before it serving.
 */
class RouteReloadIT {

    /** As an editor or a config map saves: a new file renamed over the old one (one file event, never empty). */
    static void save(Path file, String content) throws Exception {
        Path temp = file.resolveSibling(file.getFileName() + ".saving");
        Files.writeString(temp, content);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static java.util.Set<String> routeIds(CamelContext context) {
        return new java.util.TreeSet<>(context.getRoutes().stream().map(Route::getRouteId).toList());
    }

    @Test
    void anEditedRouteFileReplacesItsRoutesAndTheRestKeepServing(@TempDir Path home) throws Exception {
        Path routes = Files.createDirectories(home.resolve("routes"));
        try (Stream<Path> shipped = Files.list(StartupIT.REPO.resolve("routes"))) {
            for (Path file : shipped.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        try (ServiceHarness svc = new ServiceHarness(Map.of(
                "camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "camel.main.routes-reload-enabled", "true",
                "camel.main.routes-reload-directory", routes.toString()), null)) {
            CamelContext context = svc.main.getCamelContext();
            java.util.Set<String> before = routeIds(context);
            String token = svc.user("reload1");

            // a flow edited: the banner says something else, and nothing else changes
            Path api = routes.resolve("api.yaml");
            save(api, Files.readString(api).replace("(Chat21 HTTP API)", "(edited live)"));
            waitUntil(() -> svc.get("/", null).body().contains("(edited live)"), 20_000, "api.yaml not reloaded");
            assertEquals(200, svc.sendText("reload1", "reload2", "after an edit").statusCode());
            assertEquals(200, svc.get("/api/" + svc.appId + "/getInfo", token).statusCode());

            // a file with a REST verb and its flow, reloaded twice: replaced, not added again
            Path conversations = routes.resolve("conversations.yaml");
            for (int i = 1; i <= 2; i++) {
                Route old = context.getRoute("archive-conversation");
                save(conversations, "# edit " + i + "\n" + Files.readString(conversations));
                waitUntil(() -> context.getRoute("archive-conversation") != null
                        && context.getRoute("archive-conversation") != old, 20_000, "conversations.yaml not reloaded");
            }
            // one edit may come as several file events: the swap is done once the path answers again (during
            // the few milliseconds of a swap the edited file's own paths answer 404)
            String path = "/api/" + svc.appId + "/conversations/nobody";
            waitUntil(() -> routeIds(context).equals(before) && svc.request("DELETE", path, null, null).statusCode() == 401,
                    10_000, "after reloads, not the same routes (" + routeIds(context) + ") or not serving");
            HttpResponse<String> unauthenticated = svc.request("DELETE", path, null, null);
            assertEquals(401, unauthenticated.statusCode(), "the reloaded REST route is still authenticated");
            HttpResponse<String> missing = svc.request("DELETE", path, token, null);
            assertEquals(404, missing.statusCode(), missing.body());
            assertTrue(missing.body().contains("conversation not found"), "served by the reloaded route: " + missing.body());

            // a broken file: logged, and the routes it had keep serving
            Path history = routes.resolve("history.yaml");
            String good = Files.readString(history);
            Route listing = context.getRoute("rest-get-active-conversations");
            save(history, good + "\n- route: [this is not: a route\n");
            Thread.sleep(3_000);
            assertSame(listing, context.getRoute("rest-get-active-conversations"), "the routes of before, untouched");
            assertEquals(200, svc.get("/api/" + svc.appId + "/reload1/conversations", token).statusCode());
            assertEquals(before, routeIds(context));
            // mended: reloaded (and done before the service stops); as above, the swap is done once the path answers
            // again (CI once asked within the swap's milliseconds and got a 404)
            save(history, good);
            waitUntil(() -> context.getRoute("rest-get-active-conversations") != listing && routeIds(context).equals(before)
                    && svc.get("/api/" + svc.appId + "/reload1/conversations", token).statusCode() == 200,
                    10_000, "history.yaml not reloaded once mended, or not serving");
            assertEquals(200, svc.get("/api/" + svc.appId + "/reload1/conversations", token).statusCode());
            assertEquals(200, svc.sendText("reload1", "reload2", "after a broken edit").statusCode());
        }
    }
}
