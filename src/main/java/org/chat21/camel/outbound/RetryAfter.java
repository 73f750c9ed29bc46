package org.chat21.camel.outbound;

import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.spi.HttpResponseAware;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a failed call was the remote saying "too many requests" (HTTP 429), and for how long: the
 * {@code Retry-After} header (seconds; Slack and most APIs), or a {@code retry_after} / "retry after N" in the
 * answer (Telegram: {@code {"error_code":429,"parameters":{"retry_after":5}}}). Pure.
 */
final class RetryAfter {
    private static final Pattern IN_TEXT = Pattern.compile("retry[ _-]?after\"?\\s*[:=]?\\s*(\\d{1,6})", Pattern.CASE_INSENSITIVE);
    private static final Duration DEFAULT = Duration.ofSeconds(1);

    private RetryAfter() {
    }

    /** How long the remote asked to wait, or null when the failure was not a rate limit. */
    static Duration of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpOperationFailedException http && http.getStatusCode() == 429) {
                String header = http.getResponseHeaders() == null ? null : http.getResponseHeaders().entrySet().stream()
                        .filter(e -> e.getKey().equalsIgnoreCase("Retry-After")).map(java.util.Map.Entry::getValue)
                        .findFirst().orElse(null);
                Duration wait = seconds(header);
                return wait != null ? wait : inText(http.getResponseBody() + " " + http.getMessage());
            }
            if (t instanceof HttpResponseAware aware && aware.getHttpResponseCode() == 429) {
                return inText(t.getMessage());
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("too many requests") || message.contains("\"error_code\":429")) {
                return inText(t.getMessage());
            }
        }
        return null;
    }

    private static Duration inText(String text) {
        Matcher m = IN_TEXT.matcher(text == null ? "" : text);
        return m.find() ? Duration.ofSeconds(Math.max(1, Long.parseLong(m.group(1)))) : DEFAULT;
    }

    private static Duration seconds(String value) {
        try {
            return value == null ? null : Duration.ofSeconds(Math.max(1, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
