package org.chat21.camel.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * End-to-end latencies of one step, each with the sequence number of its message, so that parts of the
 * step (its first 10 s, the rest) are judged apart. A copy that never arrived counts as infinitely late:
 * a percentile that falls on one is "late".
 */
final class Latencies {
    private final long lateNanos;
    private int[] seqs;
    private long[] nanos;
    private int size;
    private int late;

    /** @param lateNanos copies later than this are counted ({@link #seenLate}) */
    Latencies(int expected, long lateNanos) {
        this.lateNanos = lateNanos;
        seqs = new int[Math.max(16, expected)];
        nanos = new long[seqs.length];
    }

    synchronized void add(int seq, long latencyNanos) {
        if (size == seqs.length) {
            seqs = Arrays.copyOf(seqs, size * 2);
            nanos = Arrays.copyOf(nanos, size * 2);
        }
        seqs[size] = seq;
        nanos[size++] = latencyNanos;
        if (latencyNanos > lateNanos) {
            late++;
        }
    }

    synchronized int seen() {
        return size;
    }

    synchronized int seenLate() {
        return late;
    }

    /**
     * p50, p95, p99 and max in ms of the copies of messages {@code from <= seq < to}, of which
     * {@code expected} copies should have arrived; "late" where the percentile falls on a missing copy.
     */
    synchronized Map<String, Object> summary(int from, int to, long expected) {
        long[] values = new long[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (seqs[i] >= from && seqs[i] < to) {
                values[n++] = nanos[i];
            }
        }
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        long total = Math.max(expected, n);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("copies", n);
        out.put("expected", expected);
        out.put("p50", percentile(sorted, 0.50, total));
        out.put("p95", percentile(sorted, 0.95, total));
        out.put("p99", percentile(sorted, 0.99, total));
        out.put("max", percentile(sorted, 1.0, total));
        return out;
    }

    /** The highest latency in ms of the copies of each second's messages ({@code rate} messages a second), -1 if none. */
    synchronized int[] maxBySecond(int rate, int seconds) {
        int[] max = new int[seconds];
        java.util.Arrays.fill(max, -1);
        for (int i = 0; i < size; i++) {
            int second = seqs[i] / rate;
            if (second < seconds) {
                max[second] = (int) Math.max(max[second], nanos[i] / 1_000_000);
            }
        }
        return max;
    }

    /** How many of {@code total} copies may be late with the {@code quantile} still on time. */
    static long allowedLate(long total, double quantile) {
        return total - (long) Math.ceil(quantile * total);
    }

    /** Milliseconds, "late" where it falls on a copy that did not arrive, null when nothing was expected. */
    private static Object percentile(long[] sorted, double q, long total) {
        if (total == 0) {
            return null;
        }
        long index = Math.max(0, (long) Math.ceil(q * total) - 1);
        return index < sorted.length ? (Object) (Math.round(sorted[(int) index] / 1e4) / 100.0) : "late";
    }
}
