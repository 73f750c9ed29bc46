package org.chat21.camel.outbound;

import org.apache.camel.component.telegram.TelegramException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RetryAfterTest {
    @Test
    void retryAfterHeaderOfA429() {
        assertEquals(Duration.ofSeconds(7), RetryAfter.of(new HttpOperationFailedException("http://x", 429, "Too Many Requests",
                null, Map.of("retry-after", "7"), "")));
    }

    @Test
    void telegramsRetryAfterInTheBody() {
        assertEquals(Duration.ofSeconds(5), RetryAfter.of(new HttpOperationFailedException("http://x", 429, "Too Many Requests",
                null, Map.of(), "{\"ok\":false,\"error_code\":429,\"parameters\":{\"retry_after\":5}}")));
        assertEquals(Duration.ofSeconds(12), RetryAfter.of(new TelegramException("Too Many Requests: retry after 12", 429, "Too Many Requests")));
    }

    @Test
    void a429WithoutAWaitWaitsASecond() {
        assertEquals(Duration.ofSeconds(1), RetryAfter.of(new HttpOperationFailedException("http://x", 429, "", null, Map.of(), "")));
    }

    @Test
    void otherFailuresAreNotRateLimits() {
        assertNull(RetryAfter.of(new HttpOperationFailedException("http://x", 503, "", null, Map.of("Retry-After", "5"), "")));
        assertNull(RetryAfter.of(new java.net.ConnectException("refused")));
        assertNull(RetryAfter.of(new RuntimeException((String) null)));
    }
}
