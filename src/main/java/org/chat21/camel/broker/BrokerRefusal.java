package org.chat21.camel.broker;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.ShutdownSignalException;

/**
 * A queue operation the broker refused (its channel closed with 403 ACCESS_REFUSED, 404 NOT_FOUND or
 * 406 PRECONDITION_FAILED), found in whatever the client or Spring wrapped it in; told apart from a broker
 * that is away, which is not the queue's fault.
 *
 * @param code the reply code
 * @param text the broker's words, e.g. "NOT_FOUND - no queue 'x' in vhost '/'"
 */
public record BrokerRefusal(int code, String text) {
    public static final int ACCESS_REFUSED = AMQP.ACCESS_REFUSED;
    public static final int NOT_FOUND = AMQP.NOT_FOUND;
    public static final int PRECONDITION_FAILED = AMQP.PRECONDITION_FAILED;

    /** The refusal in {@code e} or its causes, or null (the broker is away, or another failure). */
    public static BrokerRefusal of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ShutdownSignalException signal && !signal.isHardError()
                    && signal.getReason() instanceof AMQP.Channel.Close close
                    && (close.getReplyCode() == ACCESS_REFUSED || close.getReplyCode() == NOT_FOUND
                    || close.getReplyCode() == PRECONDITION_FAILED)) {
                return new BrokerRefusal(close.getReplyCode(), close.getReplyText());
            }
        }
        return null;
    }

    public boolean notFound() {
        return code == NOT_FOUND;
    }

    public boolean preconditionFailed() {
        return code == PRECONDITION_FAILED;
    }
}
