package org.chat21.camel.delivery;

/** A delivery attempt failed and the job goes back to its queue for another one (see delivery.yaml). */
public class DeliveryFailedException extends RuntimeException {
    public DeliveryFailedException(String message) {
        super(message, null, false, false);
    }
}
