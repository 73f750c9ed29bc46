package org.chat21.camel.webhooks;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.rabbitmq.client.Channel;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.bson.Document;
import org.chat21.camel.broker.DurableQueues;
import org.chat21.camel.outbound.RetryStages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The configured webhook endpoints ({@code WEBHOOK_ENDPOINTS}) and what each one costs the broker:
 * <ul>
 * <li>a durable queue of its own, named after its URL ({@code <prefix>.<hash of the URL>}, so a restart or
 * another instance finds the same queue, with the events still in it), bound to the events exchange for the
 * subscribed event types and to the retry stages' redeliver exchange ({@link RetryStages});</li>
 * <li>bounded (on RabbitMQ): at most {@code maxLength} events and {@code maxAgeMs} old; what overflows or
 * expires is dead-lettered to {@code <exchange>.overflow}, whose queue {@code <prefix>.overflow} the route
 * webhook-overflow moves to the dead-letter store (kept, counted, replayable);</li>
 * <li>an instance of the route template {@code webhook-endpoint} (routes/webhooks.yaml), once the routes are
 * loaded, that POSTs what arrives.</li>
 * </ul>
 * The endpoints declared are recorded in the store ({@code webhook_queues}); at start, the queue of an
 * endpoint that is no longer configured is deleted, with a WARN saying how many events went with it: a
 * removed endpoint leaves nothing bound to the exchange and nothing that grows. The queues are declared again
 * whenever the broker connection is made again.
 * <p>
 * An endpoint's own settings go in its URL's fragment, which is never sent:
 * {@code https://crm.example.com/hook#in-flight=16&timeout-ms=3000}.
 */
public final class WebhookEndpoints implements ExtendedStartupListener {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookEndpoints.class);

    /**
     * One endpoint.
     *
     * @param queue         the queue it is fed from
     * @param url           where it is POSTed (without the fragment)
     * @param authorization its Authorization header ("" = none)
     * @param bindingKeys   its bindings on the events exchange
     * @param inFlight      POSTs in flight at most, per instance
     * @param timeoutMs     how long a POST may take
     */
    public record Endpoint(String queue, String url, String authorization, List<String> bindingKeys, int inFlight,
                           long timeoutMs) {
        /** What metrics and logs call it: the URL without credentials or query. */
        public String name() {
            URI uri = URI.create(url);
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath());
        }
    }

    /** The defaults of every endpoint, and the bounds of their queues. */
    public record Settings(int inFlight, long timeoutMs, long maxLength, long maxAgeMs, boolean brokerBounds) {
    }

    private final List<Endpoint> endpoints;
    private final String overflowQueue;
    private final AtomicBoolean added = new AtomicBoolean();

    private WebhookEndpoints(List<Endpoint> endpoints, String overflowQueue) {
        this.endpoints = endpoints;
        this.overflowQueue = overflowQueue;
    }

    /**
     * Declares the exchange, each endpoint's queue and bindings, the overflow queue, and deletes the queues of
     * endpoints removed from the settings, with every broker connection (the first one, and again after the
     * broker restarted); the routes follow when the context has started.
     *
     * @param urls  comma-separated http(s) URLs ({@code WEBHOOK_ENDPOINTS}); a malformed one stops the start-up
     * @param types the event types the endpoints subscribe to
     * @param push  the push forwarding endpoint (its queue is fed by the push hook, bound to nothing), or null
     */
    public static WebhookEndpoints declare(CachingConnectionFactory connections, MongoDatabase db, String exchange,
                                           String queuePrefix, String urls, Set<String> types, Endpoint push,
                                           Settings settings, RetryStages stages, DurableQueues queues) {
        List<String> keys = bindingKeys(types);
        List<Endpoint> endpoints = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> entry : parse(urls).entrySet()) {
            Map<String, String> options = entry.getValue();
            endpoints.add(new Endpoint(queueName(queuePrefix, entry.getKey()), entry.getKey(), "", keys,
                    intOption(options, "in-flight", settings.inFlight()), intOption(options, "timeout-ms", (int) settings.timeoutMs())));
        }
        if (push != null) {
            endpoints.add(push);
        }
        MongoCollection<Document> declared = db.getCollection("webhook_queues");
        AtomicBoolean cleaned = new AtomicBoolean();
        connections.addConnectionListener(connection -> {
            try (Channel channel = connection.createChannel(false)) {
                channel.exchangeDeclare(exchange, "topic", true);
                // what overflows an endpoint's or a bridge's bounded queue (bridges may come without endpoints)
                channel.exchangeDeclare(exchange + ".overflow", "fanout", true);
                Map<String, Object> overflowArgs = new HashMap<>();
                if (settings.brokerBounds()) {
                    // the last resort: the overflow route stores what arrives here at once
                    overflowArgs.put("x-max-length", settings.maxLength());
                }
                queues.declare(connection.getDelegate(), queuePrefix + ".overflow", queues.arguments(overflowArgs), "webhooks");
                channel.queueBind(queuePrefix + ".overflow", exchange + ".overflow", "");
                if (!endpoints.isEmpty()) {
                    stages.declare(channel);
                }
                for (Endpoint endpoint : endpoints) {
                    queues.declare(connection.getDelegate(), endpoint.queue(), queues.arguments(bounds(exchange, settings)),
                            "webhook endpoint " + endpoint.name());
                    try (Channel binding = connection.createChannel(false)) {
                        for (String key : endpoint.bindingKeys()) {
                            binding.queueBind(endpoint.queue(), exchange, key);
                        }
                        stages.bindTarget(binding, endpoint.queue());
                    }
                }
                if (cleaned.compareAndSet(false, true)) {
                    removeStale(channel, declared, queuePrefix, endpoints);
                }
            } catch (Exception e) {
                LOG.warn("could not declare the webhook queues on {}: {}", exchange, e.toString());
            }
        });
        return new WebhookEndpoints(List.copyOf(endpoints), queuePrefix + ".overflow");
    }

    /** The queues this prefix declared before for endpoints that are gone: deleted, and told. */
    private static void removeStale(Channel channel, MongoCollection<Document> declared, String prefix,
                                    List<Endpoint> endpoints) {
        List<String> current = endpoints.stream().map(Endpoint::queue).toList();
        try {
            for (Document stale : declared.find(Filters.and(Filters.eq("prefix", prefix), Filters.nin("_id", current)))) {
                String queue = stale.getString("_id");
                int lost = channel.queueDelete(queue).getMessageCount();
                LOG.warn("webhook endpoint {} is no longer configured: its queue {} was deleted with {} event(s)",
                        stale.getString("url"), queue, lost);
                declared.deleteOne(Filters.eq("_id", queue));
            }
            for (Endpoint endpoint : endpoints) {
                declared.replaceOne(Filters.eq("_id", endpoint.queue()), new Document("_id", endpoint.queue())
                        .append("prefix", prefix).append("url", endpoint.name()), new ReplaceOptions().upsert(true));
            }
        } catch (Exception e) {
            LOG.warn("could not look for the queues of removed webhook endpoints: {}", e.toString());
        }
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

    /** The URLs of {@code WEBHOOK_ENDPOINTS}, without their fragments. */
    public static List<String> parseUrls(String endpoints) {
        return List.copyOf(parse(endpoints).keySet());
    }

    /** URL (fragment removed) -> the options of its fragment ({@code in-flight}, {@code timeout-ms}). */
    static Map<String, Map<String, String>> parse(String endpoints) {
        Map<String, Map<String, String>> urls = new LinkedHashMap<>();
        if (endpoints == null) {
            return urls;
        }
        for (String part : endpoints.split(",")) {
            String raw = part.trim();
            if (raw.isEmpty()) {
                continue;
            }
            URI uri;
            try {
                uri = URI.create(raw);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("WEBHOOK_ENDPOINTS: not a URL: " + raw);
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("WEBHOOK_ENDPOINTS: not an http(s) URL: " + raw);
            }
            int hash = raw.indexOf('#');
            Map<String, String> options = new LinkedHashMap<>();
            if (hash >= 0) {
                for (String option : raw.substring(hash + 1).split("&")) {
                    if (option.isBlank()) {
                        continue;
                    }
                    String[] kv = option.split("=", 2);
                    if (kv.length != 2 || !Set.of("in-flight", "timeout-ms").contains(kv[0])) {
                        throw new IllegalArgumentException("WEBHOOK_ENDPOINTS: " + raw + ": '" + option
                                + "' is not one of the endpoint options in-flight=<n>, timeout-ms=<n>");
                    }
                    options.put(kv[0], kv[1]);
                }
            }
            urls.putIfAbsent(hash >= 0 ? raw.substring(0, hash) : raw, options);
        }
        return urls;
    }

    private static int intOption(Map<String, String> options, String name, int fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("WEBHOOK_ENDPOINTS: " + name + " must be a whole number of 1 or more, not '"
                    + value + "'");
        }
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The arguments that bound a queue of events for a remote (RabbitMQ), overflow to {@code <exchange>.overflow}. */
    public static Map<String, Object> bounds(String exchange, Settings settings) {
        Map<String, Object> args = new HashMap<>();
        if (settings.brokerBounds()) {
            args.put("x-max-length", settings.maxLength());
            args.put("x-message-ttl", settings.maxAgeMs());
            args.put("x-dead-letter-exchange", exchange + ".overflow");
        }
        return args;
    }

    /** The endpoint whose queue this is, or null. */
    public Endpoint byQueue(String queue) {
        return endpoints.stream().filter(e -> e.queue().equals(queue)).findFirst().orElse(null);
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
        context.getRouteController().startRoute(context.addRouteFromTemplate("webhook-overflow", "webhook-overflow",
                Map.of("queue", overflowQueue)));
        for (Endpoint endpoint : endpoints) {
            String queue = endpoint.queue();
            Map<String, Object> parameters = new HashMap<>();
            parameters.put("queue", queue);
            parameters.put("url", endpoint.url());
            parameters.put("name", endpoint.name());
            parameters.put("authorization", endpoint.authorization());
            parameters.put("inFlight", endpoint.inFlight());
            parameters.put("timeoutMs", endpoint.timeoutMs());
            String routeId = context.addRouteFromTemplate("webhook-" + queue.substring(queue.lastIndexOf('.') + 1),
                    "webhook-endpoint", parameters);
            context.getRouteController().startRoute(routeId);
            LOG.info("webhook endpoint {} fed from queue {}, {} in flight at most", endpoint.name(), queue, endpoint.inFlight());
        }
    }
}
