package org.chat21.camel.common;

/**
 * Whether a failure is the store's or the broker's absence (as routes/policies.yaml lists them for 503):
 * such failures are expected during an outage, which operations.DependencyWatch reports once, so the code
 * that meets them logs them at DEBUG.
 */
public final class Unavailable {
    private Unavailable() {
    }

    /** Anywhere in the cause chain (subclasses too: the driver's operation timeout is a MongoTimeoutException). */
    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String type = t.getClass().getName();
            if (type.startsWith("org.springframework.amqp.") || type.startsWith("com.rabbitmq.client.")
                    || t instanceof com.mongodb.MongoSocketException || t instanceof com.mongodb.MongoTimeoutException
                    || t instanceof java.io.IOException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
