package org.chat21.camel.webhooks;

import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.health.HealthCheckRegistry;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.broker.DurableQueues;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.outbound.CircuitsCheck;
import org.chat21.camel.outbound.OutboundComponent;
import org.chat21.camel.outbound.RetrySchedule;
import org.chat21.camel.outbound.RetryStages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Webhooks ({@code chat21.webhooks.*}): the events publisher {@code webhooks} (publishing the types the endpoints
 * subscribe to, every type with {@code chat21.events.enabled}, nothing otherwise), each endpoint's queue and route,
 * the push hook {@code pushHook} and its endpoint ({@code chat21.push.*}), the dead-letter store and signature
 * the routes of routes/webhooks.yaml use. Also the {@code outbound} component that webhooks and
 * bridges start from ({@code chat21.outbound.dispatchers}): its retry stages and queue bounds are the webhooks'.
 */
public class WebhooksConfig implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(WebhooksConfig.class);

    @PropertyInject("chat21.webhooks.enabled")
    boolean webhooksEnabled;
    @PropertyInject("chat21.webhooks.endpoints")
    String webhookEndpoints;
    @PropertyInject("chat21.webhooks.events")
    String webhookEvents;
    @PropertyInject("chat21.webhooks.secret")
    String webhookSecret;
    @PropertyInject("chat21.webhooks.exchange")
    String webhookExchange;
    @PropertyInject("chat21.webhooks.queue-prefix")
    String webhookQueuePrefix;
    @PropertyInject("chat21.webhooks.in-flight")
    int webhookInFlight;
    @PropertyInject("chat21.webhooks.timeout-ms")
    long webhookTimeoutMs;
    @PropertyInject("chat21.webhooks.retry-schedule")
    String webhookRetrySchedule;
    @PropertyInject("chat21.webhooks.queue-max-length")
    long webhookQueueMaxLength;
    @PropertyInject("chat21.webhooks.queue-max-age-ms")
    long webhookQueueMaxAgeMs;
    @PropertyInject("chat21.webhooks.settlers")
    int webhookSettlers;
    @PropertyInject("chat21.events.enabled")
    boolean eventsEnabled;
    @PropertyInject("chat21.outbound.dispatchers")
    int outboundDispatchers;
    @PropertyInject("chat21.push.webhook-token")
    String pushToken;
    @PropertyInject("chat21.push.notify-url")
    String pushNotifyUrl;
    @PropertyInject("chat21.push.admin-token")
    String pushAdminToken;

    @Override
    public void configure(CamelContext context) throws Exception {
        CachingConnectionFactory connections = Wiring.bound(context, "rabbitConnectionFactory", CachingConnectionFactory.class);
        BrokerCheck brokerCheck = Wiring.bound(context, "brokerCheck", BrokerCheck.class);
        long confirmTimeoutMs = brokerCheck.confirmTimeoutMs();
        DurableQueues queues = Wiring.bound(context, "durableQueues", DurableQueues.class);
        MongoDatabase db = Wiring.bound(context, "chatDb", MongoDatabase.class);
        Set<String> subscribed = WebhookEvents.parseTypes(webhookEvents);
        Set<String> published = eventsEnabled ? Set.copyOf(WebhookEvents.ALL) : webhooksEnabled ? subscribed : Set.of();
        context.getRegistry().bind("webhooks",
                new Webhooks(connections, webhookExchange, published, confirmTimeoutMs, brokerCheck, db, Clock.systemUTC()));
        context.getRegistry().bind("webhookSignature", new WebhookSignature(webhookSecret));
        // failed POSTs wait in the broker's retry stages (message TTL and dead-lettering on RabbitMQ; a relay on
        // the embedded broker, which has neither, started by the first outbound consumer) and come back to their
        // endpoint's queue when due
        RetryStages stages = new RetryStages(connections, webhookExchange + ".retry", RetrySchedule.parse(webhookRetrySchedule),
                queues.rabbitmq(), brokerCheck, confirmTimeoutMs, webhookQueueMaxLength, queues);
        Wiring.closeOnStop(context, stages);
        ScheduledExecutorService outboundTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbound-watch");
            t.setDaemon(true);
            return t;
        });
        Wiring.closeOnStop(context, outboundTimer::shutdownNow);
        WebhookEndpoints.Settings queueSettings = new WebhookEndpoints.Settings(webhookInFlight, webhookTimeoutMs,
                webhookQueueMaxLength, webhookQueueMaxAgeMs, queues.rabbitmq());
        context.addComponent("outbound", new OutboundComponent(connections, stages, brokerCheck.recoveryIntervalMs(),
                webhookSettlers, outboundDispatchers, outboundTimer, queues, WebhookEndpoints.bounds(webhookExchange, queueSettings)));
        WebhookEndpoints.Endpoint push = null;
        if (!pushNotifyUrl.isBlank()) {
            WebhookEndpoints.parseUrls(pushNotifyUrl);
            push = new WebhookEndpoints.Endpoint(webhookQueuePrefix + ".push", pushNotifyUrl.trim(), pushAdminToken,
                    List.of(), webhookInFlight, webhookTimeoutMs);
        }
        context.getRegistry().bind("pushHook", new PushHook(pushToken, push == null ? null : push.queue(), connections,
                confirmTimeoutMs, brokerCheck));
        WebhookEndpoints endpoints = WebhookEndpoints.declare(connections, db, webhookExchange, webhookQueuePrefix,
                webhooksEnabled ? webhookEndpoints : "", subscribed, push,
                queueSettings, stages, queues);
        context.getRegistry().bind("webhookDeadLetters", new WebhookDeadLetters(db, connections, confirmTimeoutMs,
                brokerCheck, Clock.systemUTC(), queue -> {
                    WebhookEndpoints.Endpoint endpoint = endpoints.byQueue(queue);
                    return endpoint == null ? null : endpoint.url();
                }));
        // the endpoints' routes, and the overflow route (the bridges' queues overflow there too)
        context.addStartupListener(endpoints);
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(new CircuitsCheck(context));
        }
        if (webhooksEnabled) {
            LOG.info("webhooks: {} endpoint(s), events {}, retries after {}", endpoints.endpoints().size() - (push == null ? 0 : 1),
                    String.join(",", subscribed), stages.schedule());
        }
    }
}
