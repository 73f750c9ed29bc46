package org.chat21.camel.infra;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.springrabbit.SpringRabbitMQComponent;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.chat21.camel.api.JsonErrorPages;
import org.chat21.camel.send.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: only what needs code. The MongoDB client (or the embedded MongoDB-wire store when
 * {@code MONGODB_URI} is unset), the RabbitMQ connection factory (or the embedded AMQP broker when
 * {@code RABBITMQ_URI} is unset), the indexes, the outbox (its bookkeeping is a service that must stop
 * before the client closes) and the JSON error pages of the HTTP server. Every other bean is declared in
 * routes/beans.yaml on top of the {@code mongo}, {@code chatDb} and {@code rabbitConnectionFactory} bound
 * here, which is why this runs before the routes are read ({@link #beforeConfigure}).
 * Settings come from application.properties (their one default lives there) and the environment.
 */
public class Chat21Setup extends MainListenerSupport {
    private static final Logger LOG = LoggerFactory.getLogger(Chat21Setup.class);

    @PropertyInject("chat21.mongodb.uri")
    String mongoUri;
    @PropertyInject("chat21.rabbitmq.uri")
    String rabbitUri;
    @PropertyInject("chat21.embedded.data-dir")
    String dataDir;
    @PropertyInject("chat21.embedded.amqp-port")
    int embeddedAmqpPort;
    @PropertyInject("chat21.confirm-timeout-ms")
    long confirmTimeoutMs;
    @PropertyInject("chat21.rabbitmq.channel-cache")
    int channelCache;
    @PropertyInject("chat21.outbox.batch-interval-ms")
    long outboxBatchIntervalMs;
    @PropertyInject("chat21.version")
    String version;
    @PropertyInject("camel.server.port")
    int httpPort;
    @PropertyInject("camel.server.max-body-size")
    long maxBodyBytes;

    /** Sets the service up in a camel-main configuration (the application's, or a test's). */
    public static void addTo(MainConfigurationProperties configuration) {
        configuration.addMainListener(new Chat21Setup());
    }

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        try {
            PluginHelper.getBeanPostProcessor(context).postProcessBeforeInitialization(this, "chat21Setup");
            configure(context);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("chat21-camel could not be set up: " + e.getMessage(), e);
        }
    }

    void configure(CamelContext context) throws Exception {
        String storeMode = "external MongoDB " + redact(mongoUri.trim());
        String mongo = mongoUri.trim();
        if (mongo.isEmpty()) {
            EmbeddedMongo embedded = new EmbeddedMongo(Path.of(dataDir));
            embedded.start();
            context.addService(embedded, true, true);
            mongo = embedded.uri();
            storeMode = "embedded MongoDB-wire store (mongo-java-server, H2 file " + embedded.file() + ")";
        }
        ConnectionString connection = new ConnectionString(mongo);
        MongoClientSettings.Builder settings = MongoClientSettings.builder().applyConnectionString(connection);
        if (!mongo.contains("serverSelectionTimeoutMS")) {
            settings.applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS));
        }
        MongoClient client = MongoClients.create(settings.build());
        context.addService(new CloseableService(client), true, true);
        String database = connection.getDatabase() == null ? "chatdb" : connection.getDatabase();
        context.getPropertiesComponent().addInitialProperty("chat21.mongodb.database", database);
        MongoDatabase db = client.getDatabase(database);
        Indexes.ensure(db);
        context.getRegistry().bind("mongo", client);
        context.getRegistry().bind("chatDb", db);

        String brokerMode = "external RabbitMQ " + redact(rabbitUri.trim());
        String rabbit = rabbitUri.trim();
        if (rabbit.isEmpty()) {
            EmbeddedBroker embedded = new EmbeddedBroker(Path.of(dataDir).resolve("broker"), embeddedAmqpPort);
            embedded.start();
            context.addService(embedded, true, true);
            rabbit = embedded.uri();
            brokerMode = "embedded AMQP 0-9-1 broker (Qpid Broker-J) at " + rabbit.replace("guest:guest@", "");
        }
        CachingConnectionFactory connections = new CachingConnectionFactory(new URI(rabbit));
        connections.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
        connections.setChannelCacheSize(channelCache);
        connections.setConnectionTimeout((int) confirmTimeoutMs);
        connections.setConnectionNameStrategy(cf -> "chat21-camel");
        context.getRegistry().bind("rabbitConnectionFactory", connections);
        context.getComponent("spring-rabbitmq", SpringRabbitMQComponent.class).setConnectionFactory(connections);
        context.addService(new CloseableService(connections::destroy), true, true);

        // accepted messages until delivered; its bookkeeping batches run as a service, stopped (and flushed)
        // before the client above closes
        Outbox outbox = new Outbox(db, outboxBatchIntervalMs, Clock.systemUTC());
        context.addService(outbox.bookkeeping(), true, true);
        context.getRegistry().bind("outbox", outbox);

        context.addStartupListener(new JsonErrorPages(httpPort, maxBodyBytes));
        LOG.info("chat21-camel {}: store = {}; broker = {}", version, storeMode, brokerMode);
    }

    /** user:password in a URI is not for the log. */
    static String redact(String uri) {
        return uri.replaceAll("//[^/@]*@", "//***@");
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
