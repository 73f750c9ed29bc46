package org.chat21.camel.delivery;

/**
 * A delivery job no instance of this service could have published: requeueing it would loop forever,
 * so the delivery route configuration logs and drops it.
 */
public class MalformedJobException extends RuntimeException {
    public MalformedJobException(String job) {
        super("malformed delivery job: " + job, null, false, false);
    }
}
