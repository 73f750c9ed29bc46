package org.chat21.camel.webhooks;

import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.rabbitmq.client.Channel;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configured webhook endpoints ({@code WEBHOOK_ENDPOINTS}): for each one a durable queue of its own,
 * named after its URL ({@code <prefix>.<hash of the URL>}, so a restart or another instance finds the same
 * queue, with the events still in it), bound to the events exchange for the subscribed event types; and,
 * once the routes are loaded, an instance of the route template {@code webhook-endpoint} (routes/webhooks.yaml)
 * that POSTs what arrives there. The queues are declared whenever the broker connection is (re)made.
 */
public final class WebhookEndpoints implements ExtendedStartupListener {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookEndpoints.class);

    /** One endpoint: the queue it is fed from, the URL it is POSTed to, its Authorization header ("" = none). */
    public record Endpoint(String queue, String url, String authorization, List<String> bindingKeys) {
    }

    private final List<Endpoint> endpoints;
    private final java.util.concurrent.atomic.AtomicBoolean added = new java.util.concurrent.atomic.AtomicBoolean();

    private WebhookEndpoints(List<Endpoint> endpoints) {
        this.endpoints = endpoints;
    }

    /**
     * Declares the exchange, and each endpoint's queue and bindings, with every broker connection (the first
     * one, and again after the broker restarted); the routes follow when the context has started.
     *
     * @param urls  comma-separated http(s) URLs ({@code WEBHOOK_ENDPOINTS}); a malformed one stops the start-up
     * @param types the event types the endpoints subscribe to
     * @param push  the push forwarding endpoint (its queue is fed by the push hook, bound to nothing), or null
     */
    public static WebhookEndpoints declare(CachingConnectionFactory connections, String exchange, String queuePrefix,
                                           String urls, Set<String> types, Endpoint push) {
        List<String> keys = bindingKeys(types);
        List<Endpoint> endpoints = new ArrayList<>();
        for (String url : parseUrls(urls)) {
            endpoints.add(new Endpoint(queueName(queuePrefix, url), url, "", keys));
        }
        if (push != null) {
            endpoints.add(push);
        }
        connections.addConnectionListener(connection -> {
            try (Channel channel = connection.createChannel(false)) {
                channel.exchangeDeclare(exchange, "topic", true);
                for (Endpoint endpoint : endpoints) {
                    channel.queueDeclare(endpoint.queue(), true, false, false, null);
                    for (String key : endpoint.bindingKeys()) {
                        channel.queueBind(endpoint.queue(), exchange, key);
                    }
                }
            } catch (Exception e) {
                LOG.warn("could not declare the webhook queues on {}: {}", exchange, e.toString());
            }
        });
        return new WebhookEndpoints(List.copyOf(endpoints));
    }

    /** The queue of one endpoint: stable across restarts and instances. */
    public static String queueName(String prefix, String url) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return prefix + "." + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> bindingKeys(Set<String> types) {
        if (types.containsAll(WebhookEvents.ALL)) {
            return List.of("#");
        }
        List<String> keys = new ArrayList<>();
        for (String type : WebhookEvents.ALL) {
            if (types.contains(type)) {
                keys.add(type + ".#");
            }
        }
        return keys;
    }

    public static List<String> parseUrls(String endpoints) {
        Set<String> urls = new LinkedHashSet<>();
        if (endpoints != null) {
            for (String part : endpoints.split(",")) {
                String url = part.trim();
                if (url.isEmpty()) {
                    continue;
                }
                URI uri;
                try {
                    uri = URI.create(url);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("WEBHOOK_ENDPOINTS: not a URL: " + url);
                }
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new IllegalArgumentException("WEBHOOK_ENDPOINTS: not an http(s) URL: " + url);
                }
                urls.add(url);
            }
        }
        return List.copyOf(urls);
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
    }

    /** Once every route of the YAML files runs: one route per endpoint from the template, started. */
    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
        // starting the routes added here tells the startup listeners again
        if (!added.compareAndSet(false, true)) {
            return;
        }
        for (Endpoint endpoint : endpoints) {
            String queue = endpoint.queue();
            String routeId = context.addRouteFromTemplate("webhook-" + queue.substring(queue.lastIndexOf('.') + 1),
                    "webhook-endpoint", Map.of("queue", queue, "url", endpoint.url(), "authorization", endpoint.authorization()));
            context.getRouteController().startRoute(routeId);
            LOG.info("webhook endpoint {} fed from queue {}", endpoint.url(), queue);
        }
    }
}
