package org.chat21.camel.observer;

/** A client publication that cannot be handled (bad routing key, bad JSON): logged, acknowledged and dropped. */
public class MalformedPublicationException extends RuntimeException {
    public MalformedPublicationException(String message) {
        super(message);
    }
}
