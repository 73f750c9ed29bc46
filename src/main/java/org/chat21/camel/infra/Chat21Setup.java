package org.chat21.camel.infra;

import org.apache.camel.main.MainConfigurationProperties;
import org.chat21.camel.conversation.ConversationConfig;
import org.chat21.camel.delivery.DeliveryConfig;
import org.chat21.camel.demo.DemoConfig;
import org.chat21.camel.events.EventsConfig;
import org.chat21.camel.group.GroupConfig;
import org.chat21.camel.observer.ObserverConfig;
import org.chat21.camel.operations.GateConfig;
import org.chat21.camel.operations.OperationsConfig;
import org.chat21.camel.presence.PresenceConfig;
import org.chat21.camel.push.PushConfig;
import org.chat21.camel.receipt.ReceiptConfig;
import org.chat21.camel.send.SendConfig;
import org.chat21.camel.webhooks.WebhooksConfig;

/**
 * The composition root: the camel-main configurations, in order. Each binds its own beans from its own settings
 * (application.properties, their one default, and the environment) and looks up what an earlier one bound: the
 * clients first, then the features that stand on them. camel-main creates the beans of routes/beans.yaml when it
 * reads the routes, before any of these runs, so those cannot refer to a client; these look them up
 * ({@code contacts}, {@code messageFactory}, {@code authenticator}, {@code tokenVerifier}).
 * <p>
 * Services stop in the reverse order of their adding: the embedded store and broker, added first, stop last.
 * Start-up listeners run in the order of their adding: the shutdown gate's (operations.GateConfig) first, so that
 * its handler goes on the API router before any listener waits for the store or the broker; infra.StartLines, the
 * last, tells that the service runs.
 */
public final class Chat21Setup {
    private Chat21Setup() {
    }

    /** Sets the service up in a camel-main configuration (the application's, or a test's). */
    public static void addTo(MainConfigurationProperties configuration) {
        StoreSetup store = new StoreSetup();
        BrokerSetup broker = new BrokerSetup();
        // without a URI, the stand-ins: in an image without them, one line before anything starts
        configuration.addConfiguration(new StandIns());
        // the start and stop gate: its start-up listener first, before any that waits for the store or the broker
        configuration.addConfiguration(new GateConfig());
        // the clients: mongo, chatDb, storeInfo; rabbitConnectionFactory, brokerCheck, durableQueues
        configuration.addConfiguration(store);
        configuration.addConfiguration(broker);
        // their outages told, readiness (its service stops after the features')
        configuration.addConfiguration(new DependencySetup());
        // outbox; copyStore, timelines; groupStore, groups, groupDirectory, groupChanges
        configuration.addConfiguration(new SendConfig());
        configuration.addConfiguration(new DeliveryConfig());
        configuration.addConfiguration(new GroupConfig());
        // the warm-up (on groups, waiting for the batch: queues), serviceMetrics
        configuration.addConfiguration(new OperationsConfig());
        configuration.addConfiguration(new ConversationConfig());
        configuration.addConfiguration(new PushConfig());
        configuration.addConfiguration(new ObserverConfig());
        configuration.addConfiguration(new ReceiptConfig());
        configuration.addConfiguration(new PresenceConfig());
        // webhooks, pushHook, the outbound component; eventStreams (on timelines); the demo page
        configuration.addConfiguration(new WebhooksConfig());
        configuration.addConfiguration(new EventsConfig());
        configuration.addConfiguration(new DemoConfig());
        // the API engine and Vert.x, then the handlers of the HTTP server
        configuration.addConfiguration(new HttpSetup());
        // no routes: stop; else the start lines
        configuration.addConfiguration(new StartLines(store, broker));
    }
}
