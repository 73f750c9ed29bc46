package org.chat21.camel.broker;

import org.apache.camel.component.springrabbit.DefaultListenerContainerFactory;
import org.apache.camel.component.springrabbit.SpringRabbitMQEndpoint;
import org.springframework.amqp.rabbit.listener.AbstractMessageListenerContainer;
import org.springframework.amqp.rabbit.listener.DirectMessageListenerContainer;

/**
 * The spring-rabbitmq consumers' containers as Camel makes them, but retrying a lost broker every
 * {@code recoveryMs} rather than Spring's 5 s (and the direct container's 10 s monitor): consumers are back
 * within about a second of the broker's return, and to a queue deleted and declared again.
 */
public class QuickRecoveryContainers extends DefaultListenerContainerFactory {
    private final long recoveryMs;

    public QuickRecoveryContainers(long recoveryMs) {
        this.recoveryMs = recoveryMs;
    }

    @Override
    public AbstractMessageListenerContainer createListenerContainer(SpringRabbitMQEndpoint endpoint) {
        AbstractMessageListenerContainer container = super.createListenerContainer(endpoint);
        container.setRecoveryInterval(recoveryMs);
        // a consumer cancelled because its queue was deleted waits this long before it looks again (Spring: 5 s):
        // the migrate-queues command declares the queue again at once
        container.setFailedDeclarationRetryInterval(recoveryMs);
        if (container instanceof DirectMessageListenerContainer direct) {
            direct.setMonitorInterval(recoveryMs);
        }
        return container;
    }
}
