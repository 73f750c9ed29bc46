package org.chat21.camel.common;

/** Who made a request, as proven by a verified token. */
public record Caller(String userId, String appId, boolean admin) {

    /** The caller may act on {@code userId}'s data: it is their own, or they are an admin. */
    public boolean mayActFor(String userId) {
        return admin || this.userId.equals(userId);
    }
}
