package org.chat21.camel;

/**
 * A request that cannot be served, with the HTTP status and the {@code err} text the client sees.
 * Thrown by the beans; the API route configuration turns it into {@code {"success":false,"err":...}}.
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
