package org.chat21.camel.common;

/**
 * A start-up that cannot succeed for a reason the operator fixes by configuration: its message says what
 * to do, so it is logged as one line without a stack trace ({@link org.chat21.camel.Application}).
 */
public class StartupFailure extends RuntimeException {
    public StartupFailure(String message) {
        super(message, null, false, false);
    }
}
