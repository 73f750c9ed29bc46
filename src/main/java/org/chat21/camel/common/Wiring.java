package org.chat21.camel.common;

import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceSupport;

/**
 * What the features' configurations (one per feature package, listed in order by infra.Chat21Setup) share: a
 * bean of routes/beans.yaml or of an earlier configuration looked up, a client closed when the context stops,
 * the API server's router.
 */
public final class Wiring {
    private Wiring() {
    }

    /** The bean {@code name} an earlier configuration bound (the order is infra.Chat21Setup's list). */
    public static <T> T bound(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("bean " + name + " is not bound: the configuration that binds it must come "
                    + "earlier in infra.Chat21Setup's list");
        }
        return bean;
    }

    /**
     * The bean {@code name} of routes/beans.yaml: camel-main creates those when it reads the routes, before any
     * configuration runs. Missing, the routes were not found.
     */
    public static <T> T fromRoutes(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException(noRoutes("bean " + name + " of routes/beans.yaml is missing; "
                    + context.resolvePropertyPlaceholders("{{camel.main.routes-include-pattern}}")));
        }
        return bean;
    }

    /** What a start-up that found no routes says: where it looked ({@code where}) and what to do. */
    public static String noRoutes(String where) {
        return "no routes found (" + where + "): start from the directory that holds routes/ and "
                + "application.properties, or set CHAT21_HOME to it";
    }

    /** Closes {@code closeable} when the context stops (services stop in the reverse order of their adding). */
    public static void closeOnStop(CamelContext context, AutoCloseable closeable) throws Exception {
        context.addService(new CloseableService(closeable), true, true);
    }

    /** The Vert.x router of the API server on {@code port}, once the context has started; none: {@code what} fails. */
    public static VertxPlatformHttpRouter router(CamelContext context, int port, String what) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("no Vert.x router on port " + port + " for " + what);
        }
        return router;
    }

    /** What runs once the context has fully started (every route on the router), given the context. */
    @FunctionalInterface
    public interface Started {
        void run(CamelContext started) throws Exception;
    }

    /** Runs {@code then} once the context has fully started (start-up listeners run in the order of their adding). */
    public static void whenFullyStarted(CamelContext context, Started then) throws Exception {
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                then.run(started);
            }
        });
    }

    /** Closes a client when the context stops. */
    static final class CloseableService extends ServiceSupport {
        private final AutoCloseable closeable;

        CloseableService(AutoCloseable closeable) {
            this.closeable = closeable;
        }

        @Override
        protected void doStop() throws Exception {
            closeable.close();
        }
    }
}
