package org.chat21.camel;

import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import org.springframework.amqp.AmqpConnectException;
import org.springframework.amqp.AmqpIOException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/** Error bodies, and which failures mean "a dependency is down" (503) rather than a bug (500). */
public final class Errors {
    private Errors() {
    }

    public static Map<String, Object> body(String err) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("err", err);
        return body;
    }

    public static String json(String err) {
        return Json.write(body(err));
    }

    /** The first throwable of the given type in the cause chain, or null. */
    static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AmqpConnectException || t instanceof AmqpIOException || t instanceof TimeoutException
                    || t instanceof MongoTimeoutException || t instanceof MongoSocketException
                    || t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }
}
