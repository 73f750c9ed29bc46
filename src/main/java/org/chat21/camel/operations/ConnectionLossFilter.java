package org.chat21.camel.operations;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.chat21.camel.common.Unavailable;
import org.slf4j.Marker;

/**
 * Drops the broker clients' own lines about a lost or refused connection (Spring AMQP's listener containers
 * log an ERROR per consumer, 16 for one RabbitMQ restart): {@link DependencyWatch} says it once, with what
 * it affects, and says when it is back. Everything else those loggers say is kept. Set in logback.xml.
 */
public class ConnectionLossFilter extends TurboFilter {
    private static final String[] LOGGERS = {
            "org.apache.camel.component.springrabbit", "org.springframework.amqp", "com.rabbitmq.client"};
    private static final String[] LOSSES = {
            "Consumer canceled - channel closed",
            // a consumed queue deleted: ConsumerQueues says it once and declares it again
            "Consumer canceled - queue deleted?", "Cannot connect to server", "Consumer failed to start",
            "basicConsume failed", "Error creating consumer", "Failed to check/redeclare", "Failed to redeclare elements", "Failed to declare",
            "Queue declaration failed", "An unexpected connection driver error occurred",
            "Channel shutdown", "Connection refused", "Could not configure the channel",
            // a consumer's channel closed under it (its node lost, or a quorum queue's leader moving): the messages it
            // had not acknowledged are delivered again, and the observer takes each for the one it was
            "Error acking",
            // a publication requeued because a dependency is down (the only failure the observer leaves unhandled)
            "Execution of Rabbit message listener failed"};

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format == null || !level.isGreaterOrEqual(Level.WARN) || !fromBrokerClient(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        if (format.startsWith("Shutdown Signal") && format.contains("unknown delivery tag")) {
            return FilterReply.DENY; // the same: an ack for a delivery the broker already took back
        }
        for (String loss : LOSSES) {
            if (format.startsWith(loss)) {
                return FilterReply.DENY;
            }
        }
        // any other line of theirs caused by the broker's absence (e.g. "Could not configure the channel to
        // receive publisher confirms" with the connection's IOException)
        return t != null && Unavailable.is(t) ? FilterReply.DENY : FilterReply.NEUTRAL;
    }

    private static boolean fromBrokerClient(String name) {
        for (String prefix : LOGGERS) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
