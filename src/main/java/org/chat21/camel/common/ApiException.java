package org.chat21.camel.common;

/**
 * A request that cannot be served, with the HTTP status and the {@code err} text the client sees.
 * Thrown by the beans; the API route configuration (routes/policies.yaml) maps it to its status and
 * {@code {"success":false,"err":...}}.
 */
public class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String err) {
        super(err, null, false, false);
        this.status = status;
    }

    public ApiException(int status, String err, Throwable cause) {
        super(err, cause, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /**
     * The ApiException in a failure's cause chain (a bean called from an expression arrives wrapped), or
     * null when there is none.
     */
    public static ApiException in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ApiException api) {
                return api;
            }
        }
        return null;
    }

    public static ApiException badRequest(String err) {
        return new ApiException(400, err);
    }

    public static ApiException unauthorized(String err) {
        return new ApiException(401, err);
    }

    public static ApiException forbidden(String err) {
        return new ApiException(403, err);
    }
}
