package org.chat21.camel.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a failed delivery is tried again: a list of waits, one per retry ({@code 5s,5m,30m,2h,5h,10h,10h}, the
 * schedule of Svix and the Standard Webhooks services: seconds first, then minutes, then hours). Attempt 1 is
 * the first delivery; attempt {@code n + 1} comes {@code delay(n)} after attempt {@code n} failed; after attempt
 * {@link #attempts()} the event is dead-lettered. Each distinct wait is one retry stage of the broker (a queue
 * whose messages wait that long), named after it. Pure.
 */
public final class RetrySchedule {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private final List<Duration> delays;

    private RetrySchedule(List<Duration> delays) {
        this.delays = List.copyOf(delays);
    }

    /** {@code 5s,5m,30m,2h} (units ms, s, m, h, d); blank = no retries (the first failure is final). */
    public static RetrySchedule parse(String schedule) {
        List<Duration> delays = new ArrayList<>();
        if (schedule != null) {
            for (String raw : schedule.split(",")) {
                String part = raw.trim().toLowerCase(Locale.ROOT);
                if (part.isEmpty()) {
                    continue;
                }
                Matcher m = PART.matcher(part);
                if (!m.matches() || Long.parseLong(m.group(1)) <= 0) {
                    throw new IllegalArgumentException("retry schedule: '" + raw.trim()
                            + "' is not a wait such as 500ms, 5s, 5m, 2h or 1d (in " + schedule + ")");
                }
                long n = Long.parseLong(m.group(1));
                delays.add(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            }
        }
        return new RetrySchedule(delays);
    }

    /** Attempts in all: the first and one per wait. */
    public int attempts() {
        return delays.size() + 1;
    }

    /** Whether attempt {@code attempt} (1-based) is the last one. */
    public boolean isLast(int attempt) {
        return attempt >= attempts();
    }

    /** The wait after attempt {@code attempt} failed (1-based; the last wait for any later attempt). */
    public Duration delayAfter(int attempt) {
        if (delays.isEmpty()) {
            throw new IllegalStateException("no retries scheduled");
        }
        return delays.get(Math.max(0, Math.min(attempt, delays.size()) - 1));
    }

    /** The distinct waits, in the order they first come: one retry stage each. */
    public List<Duration> stages() {
        return List.copyOf(new LinkedHashSet<>(delays));
    }

    /** From the first failure to the last attempt. */
    public Duration span() {
        return delays.stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** A stage's name part: {@code 5s}, {@code 30m}, {@code 1500ms}. */
    public static String label(Duration delay) {
        long ms = delay.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    @Override
    public String toString() {
        return String.join(",", delays.stream().map(RetrySchedule::label).toList());
    }
}
