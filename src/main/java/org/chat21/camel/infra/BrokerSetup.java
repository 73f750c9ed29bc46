package org.chat21.camel.infra;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.springrabbit.SpringRabbitMQComponent;
import org.chat21.camel.broker.BrokerAddresses;
import org.chat21.camel.broker.BrokerCheck;
import org.chat21.camel.broker.DurableQueues;
import org.chat21.camel.broker.QuickRecoveryContainers;
import org.chat21.camel.common.StartupFailure;
import org.chat21.camel.common.Wiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.net.URI;
import java.nio.file.Path;

/**
 * The RabbitMQ connection factory (or the embedded AMQP broker when {@code RABBITMQ_URI} is unset), the
 * spring-rabbitmq component's consumers on it. Binds {@code rabbitConnectionFactory}, {@code brokerCheck}
 * (which carries the confirm timeout and the recovery interval every feature shares) and {@code durableQueues}.
 */
public class BrokerSetup implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerSetup.class);

    @PropertyInject("chat21.rabbitmq.uri")
    String rabbitUri;
    @PropertyInject("chat21.rabbitmq.addresses")
    String rabbitAddresses;
    @PropertyInject("chat21.rabbitmq.queue-type")
    String queueType;
    @PropertyInject("chat21.rabbitmq.answer-timeout-ms")
    long brokerAnswerTimeoutMs;
    @PropertyInject("chat21.rabbitmq.rpc-timeout-ms")
    long brokerRpcTimeoutMs;
    @PropertyInject("chat21.rabbitmq.channel-cache")
    int channelCache;
    @PropertyInject("chat21.rabbitmq.recovery-interval-ms")
    long rabbitRecoveryMs;
    @PropertyInject("chat21.confirm-timeout-ms")
    long confirmTimeoutMs;
    @PropertyInject("chat21.embedded.data-dir")
    String dataDir;
    @PropertyInject("chat21.embedded.amqp-port")
    int embeddedAmqpPort;

    /** for the start lines */
    private String mode;

    /** What the broker is, for the start lines: external (its nodes) or the embedded stand-in. */
    String mode() {
        return mode;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        String rabbit = rabbitUri.trim();
        if (rabbit.isEmpty() && !rabbitAddresses.isBlank()) {
            throw new StartupFailure("RABBITMQ_ADDRESSES lists the nodes, RABBITMQ_URI gives the login: set "
                    + "RABBITMQ_URI=amqp://user:password@one-of-them:5672 too");
        }
        BrokerAddresses brokerAddresses = BrokerAddresses.parse(rabbit.isEmpty() ? "amqp://127.0.0.1" : rabbit, rabbitAddresses);
        mode = "external RabbitMQ " + brokerAddresses.describe();
        if (rabbit.isEmpty()) {
            EmbeddedBroker embedded = new EmbeddedBroker(Path.of(dataDir).resolve("broker"), embeddedAmqpPort);
            embedded.start();
            context.addService(embedded, true, true);
            rabbit = embedded.uri();
            mode = "embedded AMQP 0-9-1 broker (Qpid Broker-J) at " + rabbit.replace("guest:guest@", "");
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
        Wiring.closeOnStop(context, connections::destroy);
        context.getRegistry().bind("brokerCheck",
                new BrokerCheck(connections, brokerAnswerTimeoutMs, confirmTimeoutMs, rabbitRecoveryMs));
        context.getRegistry().bind("durableQueues", durableQueues);
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // before the consumers start: a durable queue of theirs that exists with the other type is taken as
                // it is (no routes: infra.StartLines stops the start-up)
                if (durableQueues.declaredType() != null && !started.getRoutes().isEmpty()) {
                    try {
                        durableQueues.adoptExisting(started, connections.createConnection().getDelegate());
                    } catch (Exception brokerAway) {
                        LOG.debug("queue types not checked: {}", brokerAway.toString());
                    }
                }
            }
        });
    }
}
