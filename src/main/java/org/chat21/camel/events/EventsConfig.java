package org.chat21.camel.events;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.chat21.camel.api.Authenticator;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.delivery.TimelinePublisher;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * The timeline as server-sent events ({@code chat21.events.*}; {@code chat21.events.enabled} is the webhooks'
 * exchange's, webhooks.WebhooksConfig): {@code eventStreams}, on the timelines' exchange, a Vert.x handler on the
 * API router, its streams closed (and their queues deleted) when the service stops, before the broker
 * connection closes.
 */
public class EventsConfig implements CamelConfiguration {
    @PropertyInject("chat21.events.keep-alive-ms")
    long eventsKeepAliveMs;
    @PropertyInject("chat21.events.retry-ms")
    long eventsRetryMs;
    @PropertyInject("chat21.events.max-streams")
    int eventsMaxStreams;
    @PropertyInject("chat21.events.max-streams-per-user")
    int eventsMaxPerUser;
    @PropertyInject("chat21.events.buffer")
    int eventsBuffer;
    @PropertyInject("chat21.events.prefetch")
    int eventsPrefetch;
    @PropertyInject("chat21.events.queue-max-length")
    int eventsMaxQueued;
    @PropertyInject("chat21.events.replay-page")
    int eventsReplayPage;
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject("camel.rest.context-path")
    String basePath;

    @Override
    public void configure(CamelContext context) throws Exception {
        EventStreams events = new EventStreams(Wiring.fromRoutes(context, "authenticator", Authenticator.class),
                Wiring.bound(context, "rabbitConnectionFactory", CachingConnectionFactory.class),
                Wiring.bound(context, "timelines", TimelinePublisher.class).exchange(),
                Wiring.bound(context, "chatDb", MongoDatabase.class),
                new EventStreams.Settings(eventsKeepAliveMs, eventsRetryMs, eventsMaxStreams, eventsMaxPerUser, eventsBuffer,
                        eventsPrefetch, eventsMaxQueued, eventsReplayPage));
        context.getRegistry().bind("eventStreams", events);
        context.addService(events, true, true);
        // mounted once Camel's routes are on the API router
        Wiring.whenFullyStarted(context, started -> {
            events.mount(Wiring.router(started, httpPort, "the events stream"), basePath);
        });
    }
}
