package org.chat21.camel.infra;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.VertxOptions;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.springrabbit.SpringRabbitMQComponent;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.chat21.camel.api.Authenticator;
import org.chat21.camel.api.JsonErrorPages;
import org.chat21.camel.api.SlowClients;
import org.chat21.camel.api.TokenVerifier;
import org.chat21.camel.broker.BrokerAddresses;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.broker.DurableQueues;
import org.chat21.camel.broker.QuickRecoveryContainers;
import org.chat21.camel.common.StartupFailure;
import org.chat21.camel.conversation.ConversationStore;
import org.chat21.camel.conversation.Conversations;
import org.chat21.camel.delivery.CopyStore;
import org.chat21.camel.delivery.DeliveryQueue;
import org.chat21.camel.delivery.TimelinePublisher;
import org.chat21.camel.demo.DemoPage;
import org.chat21.camel.events.EventStreams;
import org.chat21.camel.group.Contacts;
import org.chat21.camel.group.GroupChangeListener;
import org.chat21.camel.group.GroupDirectory;
import org.chat21.camel.group.GroupStore;
import org.chat21.camel.group.Groups;
import org.chat21.camel.observer.ClientMessages;
import org.chat21.camel.observer.ClientPublications;
import org.chat21.camel.operations.ConsumerQueues;
import org.chat21.camel.operations.DependencyCheck;
import org.chat21.camel.operations.DependencyWatch;
import org.chat21.camel.operations.GracefulShutdown;
import org.chat21.camel.operations.ServiceMetrics;
import org.chat21.camel.operations.Warmup;
import org.chat21.camel.outbound.CircuitsCheck;
import org.chat21.camel.outbound.OutboundComponent;
import org.chat21.camel.outbound.RetrySchedule;
import org.chat21.camel.outbound.RetryStages;
import org.chat21.camel.presence.Presence;
import org.chat21.camel.push.InstanceStore;
import org.chat21.camel.push.Instances;
import org.chat21.camel.ratelimit.RateLimits;
import org.chat21.camel.receipt.ReadReceipts;
import org.chat21.camel.send.MessageFactory;
import org.chat21.camel.send.Outbox;
import org.chat21.camel.webhooks.PushHook;
import org.chat21.camel.webhooks.WebhookDeadLetters;
import org.chat21.camel.webhooks.WebhookEndpoints;
import org.chat21.camel.webhooks.WebhookEvents;
import org.chat21.camel.webhooks.WebhookSignature;
import org.chat21.camel.webhooks.Webhooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: only what needs code. The MongoDB client (or the embedded MongoDB-wire store when
 * {@code MONGODB_URI} is unset), the RabbitMQ connection factory (or the embedded AMQP broker when
 * {@code RABBITMQ_URI} is unset), the indexes, and the beans that stand on those clients (stores,
 * publishers, the outbox with its bookkeeping service, the group cache and its broker listener). camel-main
 * creates the beans of routes/beans.yaml when it reads the routes, before this runs, so they cannot refer
 * to a client; this looks up the two it needs from there ({@code contacts}, {@code messageFactory}).
 * Settings come from application.properties (their one default lives there) and the environment.
 */
public class Chat21Setup implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(Chat21Setup.class);
    private static final Logger START = GracefulShutdown.START_LOG;
    /** whether the warm-up runs before the gate opens (operations.Warmup), for the start lines */
    private boolean warmingUp;

    @PropertyInject("chat21.mongodb.uri")
    String mongoUri;
    @PropertyInject("chat21.observer.redelivery-window-ms")
    long redeliveryWindowMs;
    @PropertyInject("chat21.observer.redelivery-settle-ms")
    long redeliverySettleMs;
    @PropertyInject("chat21.observer.copy-settle-ms")
    long copySettleMs;
    @PropertyInject("chat21.mongodb.write-concern")
    String mongoWriteConcern;
    @PropertyInject("chat21.rabbitmq.uri")
    String rabbitUri;
    @PropertyInject("chat21.rabbitmq.addresses")
    String rabbitAddresses;
    @PropertyInject("chat21.rabbitmq.queue-type")
    String queueType;
    @PropertyInject("chat21.embedded.data-dir")
    String dataDir;
    @PropertyInject("chat21.embedded.amqp-port")
    int embeddedAmqpPort;
    @PropertyInject("chat21.confirm-timeout-ms")
    long confirmTimeoutMs;
    @PropertyInject("chat21.rabbitmq.answer-timeout-ms")
    long brokerAnswerTimeoutMs;
    @PropertyInject("chat21.rabbitmq.rpc-timeout-ms")
    long brokerRpcTimeoutMs;
    @PropertyInject("chat21.rabbitmq.channel-cache")
    int channelCache;
    @PropertyInject("chat21.timeline.exchange")
    String timelineExchange;
    @PropertyInject("chat21.exchange.group-changes")
    String groupChangesExchange;
    @PropertyInject("chat21.groups.cache-size")
    int groupCacheSize;
    @PropertyInject("chat21.groups.cache-ttl-ms")
    long groupCacheTtlMs;
    @PropertyInject("chat21.groups.max-members")
    int maxGroupMembers;
    @PropertyInject("chat21.outbox.batch-interval-ms")
    long outboxBatchIntervalMs;
    @PropertyInject("chat21.outbox.writers")
    int outboxWriters;
    @PropertyInject("chat21.outbox.batch")
    int outboxBatch;
    @PropertyInject("chat21.outbox.linger-us")
    long outboxLingerMicros;
    @PropertyInject("chat21.delivery.workers")
    int deliveryWorkers;
    @PropertyInject("chat21.delivery.batch")
    int deliveryBatch;
    @PropertyInject("chat21.delivery.linger-us")
    long deliveryLingerMicros;
    @PropertyInject("chat21.delivery.retries")
    int deliveryRetries;
    @PropertyInject("chat21.delivery.retry-delay-ms")
    long deliveryRetryDelayMs;
    @PropertyInject("chat21.delivery.queue-capacity")
    int deliveryQueueCapacity;
    @PropertyInject("chat21.version")
    String version;
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject("chat21.http.read-timeout-ms")
    long httpReadTimeoutMs;
    @PropertyInject("chat21.http.idle-timeout-seconds")
    int httpIdleTimeoutSeconds;
    @PropertyInject("chat21.http.max-connections-per-client")
    int httpMaxConnectionsPerClient;
    @PropertyInject("chat21.rabbitmq.recovery-interval-ms")
    long rabbitRecoveryMs;
    @PropertyInject("chat21.mongodb.timeout-ms")
    long mongoTimeoutMs;
    @PropertyInject("chat21.outage.check-interval-ms")
    long outageCheckMs;
    @PropertyInject("chat21.shutdown.drain-ms")
    long shutdownDrainMs;
    @PropertyInject("chat21.warmup")
    String warmup;
    @PropertyInject("chat21.warmup.max-messages")
    int warmupMessages;
    @PropertyInject("chat21.warmup.max-seconds")
    long warmupMaxSeconds;
    @PropertyInject("camel.server.host")
    String httpHost;
    @PropertyInject("camel.server.max-body-size")
    long maxBodyBytes;
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
    @PropertyInject("chat21.outbound.dispatchers")
    int outboundDispatchers;
    @PropertyInject("chat21.events.enabled")
    boolean eventsEnabled;
    @PropertyInject("chat21.push.webhook-token")
    String pushToken;
    @PropertyInject("chat21.push.notify-url")
    String pushNotifyUrl;
    @PropertyInject("chat21.push.admin-token")
    String pushAdminToken;
    @PropertyInject("camel.rest.context-path")
    String basePath;
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

    /** Sets the service up in a camel-main configuration (the application's, or a test's). */
    public static void addTo(MainConfigurationProperties configuration) {
        configuration.addConfiguration(new Chat21Setup());
    }

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
        String storeMode = "external MongoDB " + BrokerAddresses.redact(mongoUri.trim());
        String mongo = mongoUri.trim();
        requireStandIns(mongo.isEmpty(), rabbitUri.trim().isEmpty());
        if (mongo.isEmpty()) {
            EmbeddedMongo embedded = new EmbeddedMongo(Path.of(dataDir));
            embedded.start();
            context.addService(embedded, true, true);
            mongo = embedded.uri();
            storeMode = "embedded MongoDB-wire store (mongo-java-server, H2 file " + embedded.file() + ")";
        }
        ConnectionString connection = new ConnectionString(mongo);
        MongoClientSettings.Builder settings = MongoClientSettings.builder().applyConnectionString(connection);
        if (connection.getServerSelectionTimeout() == null) {
            settings.applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS));
        }
        // every operation bounded (the driver's client-side operation timeout): a store that stops answering
        // (paused, partitioned) makes requests fail with 503 in that time instead of hanging on a socket
        if (mongoTimeoutMs > 0 && connection.getTimeout() == null) {
            settings.timeout(mongoTimeoutMs, TimeUnit.MILLISECONDS);
        }
        // the driver's server monitor (and each new connection) gives up on a silent peer after this: with the
        // default 10 s a store that came back was seen 10 s late
        if (mongoTimeoutMs > 0 && connection.getConnectTimeout() == null) {
            settings.applyToSocketSettings(b -> b.connectTimeout((int) Math.max(1000, mongoTimeoutMs), TimeUnit.MILLISECONDS));
        }
        // what the guarantees rest on (the outbox, the copies, group changes) is acknowledged by a majority of a
        // replica set, journaled: a failover cannot roll back a message that was answered 200. Reads go to the
        // primary (the driver's default), so history read after a send sees it. The URI's w / journal win
        if (connection.getWriteConcern() == null) {
            settings.writeConcern(writeConcern(mongoWriteConcern));
        }
        MongoClient client = MongoClients.create(settings.build());
        context.addService(new CloseableService(client), true, true);
        String database = connection.getDatabase() == null ? "chatdb" : connection.getDatabase();
        context.getPropertiesComponent().addInitialProperty("chat21.mongodb.database", database);
        MongoDatabase db = client.getDatabase(database);
        // on a database of the original Chat21 some unique keys may not hold: the stores that rely on one are told
        // index builds on a large existing database take as long as they take: no operation timeout for them
        MongoDatabase indexing = db.withTimeout(0, TimeUnit.MILLISECONDS);
        Indexes.Uniqueness unique = Indexes.ensure(indexing);
        context.getRegistry().bind("mongo", client);
        context.getRegistry().bind("chatDb", db);

        String rabbit = rabbitUri.trim();
        if (rabbit.isEmpty() && !rabbitAddresses.isBlank()) {
            throw new StartupFailure("RABBITMQ_ADDRESSES lists the nodes, RABBITMQ_URI gives the login: set "
                    + "RABBITMQ_URI=amqp://user:password@one-of-them:5672 too");
        }
        BrokerAddresses brokerAddresses = BrokerAddresses.parse(rabbit.isEmpty() ? "amqp://127.0.0.1" : rabbit, rabbitAddresses);
        String brokerMode = "external RabbitMQ " + brokerAddresses.describe();
        if (rabbit.isEmpty()) {
            EmbeddedBroker embedded = new EmbeddedBroker(Path.of(dataDir).resolve("broker"), embeddedAmqpPort);
            embedded.start();
            context.addService(embedded, true, true);
            rabbit = embedded.uri();
            brokerMode = "embedded AMQP 0-9-1 broker (Qpid Broker-J) at " + rabbit.replace("guest:guest@", "");
        }
        CachingConnectionFactory connections = new CachingConnectionFactory(new URI(rabbit));
        if (!rabbitUri.isBlank()) {
            brokerAddresses.applyTo(connections);
        }
        connections.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
        connections.setChannelCacheSize(channelCache);
        connections.setConnectionTimeout((int) confirmTimeoutMs);
        // a broker that stops answering must not hold a thread for the client's defaults (10 s for a handshake,
        // 10 min for a channel's open or any other RPC): a request that meets it fails within these, and
        // replies that come late are dropped rather than taken for the next RPC's
        connections.getRabbitConnectionFactory().setHandshakeTimeout((int) confirmTimeoutMs);
        connections.getRabbitConnectionFactory().setChannelRpcTimeout((int) brokerRpcTimeoutMs);
        connections.getRabbitConnectionFactory().setChannelShouldCheckRpcResponseType(true);
        connections.setConnectionNameStrategy(cf -> "chat21-camel");
        context.getRegistry().bind("rabbitConnectionFactory", connections);
        SpringRabbitMQComponent rabbitComponent = context.getComponent("spring-rabbitmq", SpringRabbitMQComponent.class);
        rabbitComponent.setConnectionFactory(connections);
        DurableQueues durableQueues = new DurableQueues(queueType, !rabbitUri.isBlank());
        // the durable queues the routes' consumers declare (the observer's) take the type through this property;
        // on the embedded broker it is not set and the argument is left out ({{?...}})
        if (durableQueues.declaredType() != null) {
            context.getPropertiesComponent().addInitialProperty("chat21.rabbitmq.declared-queue-type",
                    durableQueues.declaredType());
        }
        // a queue that exists with another type is consumed as it is (told once by the pre-flight below) instead of
        // stopping its route
        rabbitComponent.setIgnoreDeclarationExceptions(true);
        // consumers retry a lost broker every second (Spring: 5 s, and 10 s between checks)
        rabbitComponent.setListenerContainerFactory(new QuickRecoveryContainers(rabbitRecoveryMs));
        context.addService(new CloseableService(connections::destroy), true, true);
        BrokerCheck brokerCheck = new BrokerCheck(connections, brokerAnswerTimeoutMs, confirmTimeoutMs, rabbitRecoveryMs);
        context.getRegistry().bind("brokerCheck", brokerCheck);
        // an outage of either is told once, with what it affects, and its end too
        context.addService(new DependencyWatch(outageCheckMs)
                .watch("MongoDB", "every API call answers 503 and client publications wait in their queues until it is back",
                        () -> db.runCommand(new org.bson.Document("ping", 1)),
                        // a store that comes back may be a new one (restored, or a stand-in restarted empty): the
                        // unique keys the service relies on are made again (nothing to do if they are there)
                        () -> Indexes.ensure(indexing))
                .watch("RabbitMQ", "sends are still accepted (stored) and delivered when it is back; group changes and "
                        + "archives answer 503; MQTT clients, webhooks and bridges wait", brokerCheck::requireReachable),
                true, true);
        // readiness (/observe/health/ready): both dependencies reachable, besides Camel's own route checks
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        // the queues the routes consume (the observer's): one deleted is told, shown, and declared again
        // (watched once every route runs: the start-up listener below)
        ConsumerQueues consumerQueues = new ConsumerQueues(context, connections, route -> {
            try {
                durableQueues.adopt(route.getEndpoint(), connections.createConnection().getDelegate());
            } catch (Exception brokerAway) {
                LOG.debug("queue type not checked: {}", brokerAway.toString());
            }
        });
        if (health != null) {
            health.register(consumerQueues);
            health.register(new DependencyCheck("mongodb", () -> db.runCommand(new org.bson.Document("ping", 1))));
            health.register(new DependencyCheck("rabbitmq", brokerCheck::requireReachable));
        }

        // accepted messages until delivered; its bookkeeping batches run as a service, stopped (and flushed)
        // before the client above closes. A send waits for its group commit at most a little beyond the
        // operation timeout: under load it may queue behind a batch that is itself waiting on a stuck store
        // (FaultsIT: answered 503 within 1.4 s, not 2 x 1.2 s)
        Outbox outbox = new Outbox(db, outboxBatchIntervalMs, Clock.systemUTC(), outboxWriters, outboxBatch,
                outboxLingerMicros, mongoTimeoutMs > 0 ? mongoTimeoutMs + 200 : 10_000);
        context.addService(outbox.bookkeeping(), true, true);
        context.addService(outbox.inserts(), true, true);
        context.getRegistry().bind("outbox", outbox);

        // accepted messages are delivered by this process, in batches that form under load (the route
        // deliver-batch); what it does not deliver stays in the outbox for the relay
        ProducerTemplate producer = context.createProducerTemplate();
        DeliveryQueue deliveries = new DeliveryQueue(batch -> producer.sendBody("direct:deliver-batch", batch),
                deliveryWorkers, deliveryBatch, deliveryLingerMicros, deliveryQueueCapacity, deliveryRetries,
                deliveryRetryDelayMs);
        context.addService(deliveries, true, true);
        context.getRegistry().bind("deliveries", deliveries);

        // a stop refuses new requests (503), finishes those in flight and the queued deliveries, before any
        // route stops; readiness DOWN meanwhile
        GracefulShutdown shutdown = new GracefulShutdown(httpPort, shutdownDrainMs, deliveries,
                // event streams never end by themselves: not waited for (closed when their service stops)
                path -> path.endsWith("/events"));
        context.addLifecycleStrategy(shutdown);
        context.addStartupListener(shutdown);
        if (health != null) {
            health.register(new DependencyCheck("accepting-requests", shutdown::requireAccepting));
        }

        // the stores, and the beans of the routes that use one (the rest are in routes/beans.yaml, created
        // before this runs: contacts and messageFactory come from there)
        context.getRegistry().bind("copyStore", new CopyStore(db, unique.messages()));
        GroupStore groupStore = new GroupStore(db);
        context.getRegistry().bind("groupStore", groupStore);
        Groups groups = new Groups(groupStore, bean(context, "contacts", Contacts.class),
                bean(context, "messageFactory", MessageFactory.class), maxGroupMembers);
        context.getRegistry().bind("groups", groups);
        // warm before ready: the send path run and compiled before the gate opens (operations.Warmup)
        String loopback = httpHost.isBlank() || "0.0.0.0".equals(httpHost) || "::".equals(httpHost) ? "127.0.0.1"
                : httpHost.contains(":") ? "[" + httpHost + "]" : httpHost;
        warmingUp = Warmup.wanted(warmup, mongoUri.trim().isEmpty() || rabbitUri.trim().isEmpty());
        if (warmingUp) {
            shutdown.warmFirst(new Warmup(warmupMessages, warmupMaxSeconds * 1000, "http://" + loopback + ":" + httpPort
                    + basePath, bean(context, "tokenVerifier", TokenVerifier.class), db, groups, deliveries));
        }
        context.getRegistry().bind("conversations", new Conversations(new ConversationStore(db)));
        context.getRegistry().bind("instances", new Instances(new InstanceStore(db)));

        // the observer: what native clients publish over MQTT
        ClientPublications publications = new ClientPublications(db, Clock.systemUTC(), redeliveryWindowMs, redeliverySettleMs,
                copySettleMs);
        context.getRegistry().bind("clientPublications", publications);
        context.getRegistry().bind("clientMessages",
                new ClientMessages(bean(context, "messageFactory", MessageFactory.class), publications));
        context.getRegistry().bind("readReceipts", new ReadReceipts(db));
        context.getRegistry().bind("presence", new Presence(db, Clock.systemUTC()));

        context.getRegistry().bind("timelines", new TimelinePublisher(connections, timelineExchange, confirmTimeoutMs, brokerCheck));

        // group membership cache, kept in step across instances by a broadcast on a fanout exchange (each
        // instance listens on its own exclusive queue, set up with every broker connection)
        GroupDirectory directory = new GroupDirectory(groupStore, groupCacheSize, groupCacheTtlMs);
        context.getRegistry().bind("groupDirectory", directory);
        GroupChangeListener changes = new GroupChangeListener(directory, connections, groupChangesExchange,
                confirmTimeoutMs, brokerCheck);
        changes.listen();
        context.getRegistry().bind("groupChanges", changes);

        webhooks(context, connections, brokerCheck, db, rabbitUri.trim().isEmpty(), durableQueues);

        // the timeline as server-sent events: a Vert.x handler on the API router, its streams closed (and their
        // queues deleted) when the service stops, before the broker connection closes
        EventStreams events = new EventStreams(bean(context, "authenticator", Authenticator.class), connections,
                timelineExchange, db, new EventStreams.Settings(eventsKeepAliveMs, eventsRetryMs, eventsMaxStreams,
                eventsMaxPerUser, eventsBuffer, eventsPrefetch, eventsMaxQueued, eventsReplayPage));
        context.getRegistry().bind("eventStreams", events);
        context.addService(events, true, true);

        context.addStartupListener(new JsonErrorPages(httpPort, maxBodyBytes));
        // metrics that need code (operations.ServiceMetrics), on the Prometheus registry once it exists
        ServiceMetrics metrics = new ServiceMetrics();
        context.getRegistry().bind("serviceMetrics", metrics);

        // no routes = a service that serves nothing: say so and stop (Application exits 1); else the metrics, and
        // the start lines, at INFO on a logger kept at INFO (logback.xml), so that they survive LOG_LEVEL=WARN
        // without a WARN that log monitors would alert on
        String store = storeMode;
        String broker = brokerMode;
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                if (started.getRoutes().isEmpty()) {
                    throw new IllegalStateException(noRoutes(
                            started.resolvePropertyPlaceholders("{{camel.main.routes-include-pattern}}")));
                }
                // before the consumers start: a durable queue of theirs that exists with the other type is taken as it is
                if (durableQueues.declaredType() != null) {
                    try {
                        durableQueues.adoptExisting(started, connections.createConnection().getDelegate());
                    } catch (Exception brokerAway) {
                        LOG.debug("queue types not checked: {}", brokerAway.toString());
                    }
                }
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                started.getExecutorServiceManager().newSingleThreadScheduledExecutor(Chat21Setup.this, "consumer-queues")
                        .scheduleWithFixedDelay(consumerQueues, outageCheckMs, outageCheckMs, TimeUnit.MILLISECONDS);
                // the events stream and the demo page: Vert.x handlers on the API server's router
                VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(started,
                        VertxPlatformHttpRouter.getRouterNameFromPort(httpPort));
                if (router == null) {
                    throw new IllegalStateException("no Vert.x router on port " + httpPort + " for the events stream");
                }
                router.route().order(Integer.MIN_VALUE).handler(slowClients::onRequest);
                events.mount(router, basePath);
                DemoPage.mount(router, basePath);
                MeterRegistry registry = started.getRegistry().findSingleByType(MeterRegistry.class);
                if (registry != null) {
                    metrics.bind(registry, db.getCollection("outbox"));
                    // chat21_rate_limited_total{kind}: the rateLimits bean of routes/beans.yaml
                    started.getRegistry().findByType(RateLimits.class).forEach(limits -> limits.bind(registry));
                }
                String management = started.resolvePropertyPlaceholders("{{camel.management.port}}");
                START.info("chat21-camel {} started: store = {}; broker = {}; HTTP port {}, management port {}; {} routes",
                        version, store, broker, httpPort, management, started.getRoutes().size());
                String api = "http://localhost:" + httpPort;
                String base = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
                START.info("API {}{}, OpenAPI {}{}/openapi.json, demo page {}/chat/; health http://localhost:{}/observe/health, "
                        + "metrics http://localhost:{}/observe/metrics", api, base, api, base, api, management, management);
                START.info(warmingUp ? "warming up before ready (WARMUP): the API and readiness answer 503 until it is done"
                        : "ready: accepting requests");
            }
        });
    }

    /**
     * Webhooks: the events publisher (publishing the types the endpoints subscribe to, every type with
     * chat21.events.enabled, nothing otherwise), each endpoint's queue and route, the push hook's endpoint,
     * the dead-letter store, signature and retry counter the routes of routes/webhooks.yaml use.
     */
    private void webhooks(CamelContext context, CachingConnectionFactory connections, BrokerCheck brokerCheck,
                          MongoDatabase db, boolean embeddedBroker, DurableQueues queues) throws Exception {
        Set<String> subscribed = WebhookEvents.parseTypes(webhookEvents);
        Set<String> published = eventsEnabled ? Set.copyOf(WebhookEvents.ALL) : webhooksEnabled ? subscribed : Set.of();
        context.getRegistry().bind("webhooks",
                new Webhooks(connections, webhookExchange, published, confirmTimeoutMs, brokerCheck, db, Clock.systemUTC()));
        context.getRegistry().bind("webhookSignature", new WebhookSignature(webhookSecret));
        // failed POSTs wait in the broker's retry stages (message TTL and dead-lettering on RabbitMQ; a relay on
        // the embedded broker, which has neither, started by the first outbound consumer) and come back to their
        // endpoint's queue when due
        RetryStages stages = new RetryStages(connections, webhookExchange + ".retry", RetrySchedule.parse(webhookRetrySchedule),
                !embeddedBroker, brokerCheck, confirmTimeoutMs, webhookQueueMaxLength, queues);
        context.addService(new CloseableService(stages), true, true);
        ScheduledExecutorService outboundTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbound-watch");
            t.setDaemon(true);
            return t;
        });
        context.addService(new CloseableService(outboundTimer::shutdownNow), true, true);
        WebhookEndpoints.Settings queueSettings = new WebhookEndpoints.Settings(webhookInFlight, webhookTimeoutMs,
                webhookQueueMaxLength, webhookQueueMaxAgeMs, !embeddedBroker);
        context.addComponent("outbound", new OutboundComponent(connections, stages, rabbitRecoveryMs, webhookSettlers,
                outboundDispatchers, outboundTimer, queues, WebhookEndpoints.bounds(webhookExchange, queueSettings)));
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

    /** Classes of the embedded stand-ins, which the production image leaves out (deploy/standins.txt). */
    private static final List<String> STAND_IN_CLASSES = List.of("de.bwaldvogel.mongo.MongoServer",
            "de.bwaldvogel.mongo.backend.h2.H2Backend", "org.h2.mvstore.MVStore", "org.apache.qpid.server.SystemLauncher");

    /**
     * A store or broker URI left unset needs the embedded stand-ins; in an image without them (the Dockerfile's
     * default) that is a configuration error, told in one line, before anything starts.
     */
    static void requireStandIns(boolean noMongoUri, boolean noRabbitUri) {
        if (!noMongoUri && !noRabbitUri) {
            return;
        }
        for (String name : STAND_IN_CLASSES) {
            try {
                Class.forName(name, false, Chat21Setup.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                String unset = noMongoUri && noRabbitUri ? "MONGODB_URI and RABBITMQ_URI are" : noMongoUri
                        ? "MONGODB_URI is" : "RABBITMQ_URI is";
                throw new StartupFailure(unset + " not set, and the embedded stand-ins (mongo-java-server, "
                        + "Qpid Broker-J) are not in this image: set MONGODB_URI and RABBITMQ_URI to your MongoDB "
                        + "and RabbitMQ (or build the image with --build-arg STANDINS=true)");
            }
        }
    }

    /** What a start-up that found no routes says: where it looked ({@code where}) and what to do. */
    public static String noRoutes(String where) {
        return "no routes found (" + where + "): start from the directory that holds routes/ and "
                + "application.properties, or set CHAT21_HOME to it";
    }

    private static <T> T bean(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException(noRoutes("bean " + name + " of routes/beans.yaml is missing; "
                    + context.resolvePropertyPlaceholders("{{camel.main.routes-include-pattern}}")));
        }
        return bean;
    }

    /** majority (journaled) or a number of members; anything else stops the start-up. */
    static WriteConcern writeConcern(String setting) {
        String w = setting.trim();
        if (w.equalsIgnoreCase("majority")) {
            return WriteConcern.MAJORITY.withJournal(true);
        }
        try {
            int members = Integer.parseInt(w);
            if (members >= 1) {
                return new WriteConcern(members).withJournal(true);
            }
        } catch (NumberFormatException notANumber) {
            // told below
        }
        throw new StartupFailure("chat21.mongodb.write-concern (MONGODB_WRITE_CONCERN) is majority or a number of "
                + "members (1 or more), not '" + setting + "'");
    }

    /** user:password in a URI is not for the log. */
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
