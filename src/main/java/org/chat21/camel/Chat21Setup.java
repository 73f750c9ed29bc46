package org.chat21.camel;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.springrabbit.SpringRabbitMQComponent;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Wires the service from its properties: MongoDB (or the embedded MongoDB-wire store when
 * {@code MONGODB_URI} is unset), RabbitMQ (or the embedded AMQP broker when {@code RABBITMQ_URI} is unset),
 * the indexes, and the beans the YAML routes call. The routes are the same in both modes.
 */
public class Chat21Setup implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(Chat21Setup.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent props = context.getPropertiesComponent();
        Path dataDir = Path.of(property(props, "chat21.embedded.data-dir", "data"));

        String mongoUri = property(props, "chat21.mongodb.uri", "");
        String storeMode;
        if (mongoUri.isBlank()) {
            EmbeddedMongo embedded = new EmbeddedMongo(dataDir);
            embedded.start();
            context.addService(embedded, true, true);
            mongoUri = embedded.uri();
            storeMode = "embedded MongoDB-wire store (mongo-java-server, H2 file " + embedded.file() + ")";
        } else {
            storeMode = "external MongoDB " + redact(mongoUri);
        }
        ConnectionString connection = new ConnectionString(mongoUri);
        MongoClientSettings.Builder settings = MongoClientSettings.builder().applyConnectionString(connection);
        if (!mongoUri.contains("serverSelectionTimeoutMS")) {
            settings.applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS));
        }
        MongoClient mongo = MongoClients.create(settings.build());
        String database = connection.getDatabase() == null ? "chatdb" : connection.getDatabase();
        props.addInitialProperty("chat21.mongodb.database", database);
        context.getRegistry().bind("mongo", mongo);
        context.addService(new CloseableService(mongo), true, true);

        String rabbitUri = property(props, "chat21.rabbitmq.uri", "");
        String brokerMode;
        if (rabbitUri.isBlank()) {
            EmbeddedBroker embedded = new EmbeddedBroker(dataDir.resolve("broker"),
                    Integer.parseInt(property(props, "chat21.embedded.amqp-port", "0")));
            embedded.start();
            context.addService(embedded, true, true);
            rabbitUri = embedded.uri();
            brokerMode = "embedded AMQP 0-9-1 broker (Qpid Broker-J) at " + rabbitUri.replace("guest:guest@", "");
        } else {
            brokerMode = "external RabbitMQ " + redact(rabbitUri);
        }
        long confirmTimeout = Long.parseLong(property(props, "chat21.confirm-timeout-ms", "1500"));
        CachingConnectionFactory rabbit = new CachingConnectionFactory(new URI(rabbitUri));
        rabbit.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
        rabbit.setChannelCacheSize(Integer.parseInt(property(props, "chat21.rabbitmq.channel-cache", "128")));
        rabbit.setConnectionTimeout((int) confirmTimeout);
        rabbit.setConnectionNameStrategy(cf -> "chat21-camel");
        context.getRegistry().bind("rabbitConnectionFactory", rabbit);
        context.getComponent("spring-rabbitmq", SpringRabbitMQComponent.class).setConnectionFactory(rabbit);
        context.addService(new CloseableService(rabbit::destroy), true, true);

        ChatStore store = new ChatStore(mongo.getDatabase(database), Clock.systemUTC());
        store.ensureIndexes();
        GroupStore groupStore = new GroupStore(mongo.getDatabase(database));
        groupStore.ensureIndexes();
        ConversationStore conversationStore = new ConversationStore(mongo.getDatabase(database));
        conversationStore.ensureIndexes();

        // group membership cache, kept in step across instances by a broadcast on a fanout exchange (each
        // instance listens on its own exclusive queue, set up with every broker connection)
        GroupDirectory directory = new GroupDirectory(groupStore::find,
                Integer.parseInt(property(props, "chat21.groups.cache-size", "10000")),
                Long.parseLong(property(props, "chat21.groups.cache-ttl-ms", "60000")), System::currentTimeMillis);
        directory.setCoherent(false);
        GroupChanges changes = new GroupChanges(directory, new TimelinePublisher(new RabbitTemplate(rabbit),
                property(props, "chat21.exchange.group-changes", "chat21.group-changes"), confirmTimeout));
        rabbit.addConnectionListener(changes);

        TokenVerifier tokens = new TokenVerifier(property(props, "chat21.jwt.key", "tokenKey"),
                Long.parseLong(property(props, "chat21.jwt.leeway-seconds", "0")), Clock.systemUTC());
        TimelinePublisher timelines = new TimelinePublisher(new RabbitTemplate(rabbit),
                property(props, "chat21.timeline.exchange", "amq.topic"), confirmTimeout);
        OutboxBookkeeping bookkeeping = new OutboxBookkeeping(store,
                Long.parseLong(property(props, "chat21.outbox.batch-interval-ms", "20")));
        context.addService(bookkeeping, true, true);
        String version = property(props, "chat21.version", "0.1.0");
        MessageFactory factory = new MessageFactory(Clock.systemUTC());
        Steps.BrokerCheck broker = () -> rabbit.createConnection().close();
        context.getRegistry().bind("chat", new Steps(tokens, factory, new DeliveryPlanner(), store, timelines,
                bookkeeping, directory, broker, version));
        Contacts contacts = new Contacts(property(props, "chat21.contacts.endpoint", ""),
                Long.parseLong(property(props, "chat21.contacts.timeout-ms", "1000")),
                Long.parseLong(property(props, "chat21.contacts.cache-ms", "120000")), Clock.systemUTC());
        context.getRegistry().bind("groups", new GroupSteps(groupStore, store, changes, contacts, factory, timelines,
                Clock.systemUTC(), Integer.parseInt(property(props, "chat21.groups.max-members", "10000"))));
        context.getRegistry().bind("conversations", new ConversationSteps(conversationStore));

        int port = Integer.parseInt(property(props, "camel.server.port", "8004"));
        context.addStartupListener(new JsonErrorPages(port,
                Long.parseLong(property(props, "camel.server.max-body-size", "1048576"))));
        LOG.info("chat21-camel {}: store = {}; broker = {}", version, storeMode, brokerMode);
    }

    private static String property(PropertiesComponent props, String key, String fallback) {
        return props.resolveProperty(key).map(String::trim).orElse(fallback);
    }

    /** user:password in a URI is not for the log. */
    static String redact(String uri) {
        return uri.replaceAll("//[^/@]*@", "//***@");
    }

    /**
     * What Vert.x would answer before a route runs gets the same JSON error body as everything else: a
     * declared Content-Length over the limit is refused up front with 413, a chunked body is cut off at
     * the limit by Vert.x and answered with the same JSON 413, and unknown paths get a JSON 404.
     */
    static final class JsonErrorPages implements ExtendedStartupListener {
        private final int port;
        private final long maxBodyBytes;

        JsonErrorPages(int port, long maxBodyBytes) {
            this.port = port;
            this.maxBodyBytes = maxBodyBytes;
        }

        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        }

        @Override
        public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                    VertxPlatformHttpRouter.getRouterNameFromPort(port));
            if (router == null) {
                LOG.warn("no Vert.x router found for port {}; framework errors will not be JSON", port);
                return;
            }
            router.route().order(Integer.MIN_VALUE).handler(ctx -> {
                String length = ctx.request().getHeader("Content-Length");
                if (maxBodyBytes > 0 && length != null && tooLarge(length)) {
                    end(ctx, 413, "request body too large (limit " + maxBodyBytes + " bytes)");
                } else {
                    ctx.next();
                }
            });
            router.route().order(Integer.MAX_VALUE).handler(ctx -> end(ctx, 404, "not found"));
            // failures raised by Vert.x itself (a chunked body over the limit, an unexpected error)
            router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
                int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
                if (status == 413) {
                    end(ctx, 413, "request body too large (limit " + maxBodyBytes + " bytes)");
                } else if (status >= 500) {
                    LOG.error("request failed in the HTTP layer", ctx.failure());
                    end(ctx, status, "internal error");
                } else {
                    end(ctx, status, "bad request");
                }
            });
        }

        private boolean tooLarge(String length) {
            try {
                return Long.parseLong(length.trim()) > maxBodyBytes;
            } catch (NumberFormatException e) {
                return true;
            }
        }

        private static void end(RoutingContext ctx, int status, String err) {
            if (!ctx.response().ended()) {
                ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                        .putHeader("Connection", status == 413 ? "close" : "keep-alive")
                        .end(Errors.json(err));
            }
        }
    }

    /** Closes a client when the context stops. */
    static final class CloseableService extends org.apache.camel.support.service.ServiceSupport {
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
