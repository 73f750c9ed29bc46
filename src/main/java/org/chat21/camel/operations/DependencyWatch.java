package org.chat21.camel.operations;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Tells an operator once that MongoDB or RabbitMQ went away, with what that affects, and once that it came
 * back: each dependency is probed every {@code intervalMs} on a thread of its own (a probe of a store that
 * is down blocks for its client's timeout), and only a change is logged: a WARN when it has failed two checks
 * in a row, an INFO with the outage's length when it returns. The per-request and per-batch failures meanwhile log at DEBUG
 * ({@link org.chat21.camel.common.Unavailable}), and the broker clients' own connection-loss lines are dropped
 * ({@link ConnectionLossFilter}), so an outage is one line, not a screenful.
 */
public class DependencyWatch extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(DependencyWatch.class);
    /** failed checks in a row before an outage is told (the interval apart) */
    static final int FAILURES_TO_TELL = 2;

    private final long intervalMs;
    private final List<Watched> watched = new ArrayList<>();
    private ExecutorService threads;

    public DependencyWatch(long intervalMs) {
        this.intervalMs = intervalMs;
    }

    /**
     * @param name    as the operator knows it ("MongoDB", "RabbitMQ")
     * @param affects what the service does without it, for the WARN line
     */
    public DependencyWatch watch(String name, String affects, DependencyCheck.Probe probe) {
        return watch(name, affects, probe, () -> { });
    }

    /** @param onReturn run when it is reachable again after an outage (before the INFO line) */
    public DependencyWatch watch(String name, String affects, DependencyCheck.Probe probe, Runnable onReturn) {
        watched.add(new Watched(name, affects, probe, onReturn));
        return this;
    }

    @Override
    protected void doStart() {
        if (intervalMs <= 0 || watched.isEmpty()) {
            return;
        }
        threads = Executors.newFixedThreadPool(watched.size(), r -> {
            Thread t = new Thread(r, "dependency-watch");
            t.setDaemon(true);
            return t;
        });
        for (Watched w : watched) {
            threads.submit(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    w.check();
                    try {
                        Thread.sleep(intervalMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    @Override
    protected void doStop() throws InterruptedException {
        if (threads != null) {
            threads.shutdownNow();
            threads.awaitTermination(2, TimeUnit.SECONDS);
        }
    }

    private static final class Watched {
        final String name;
        final String affects;
        final DependencyCheck.Probe probe;
        final Runnable onReturn;
        /** System.currentTimeMillis() when it went, 0 while up (or not yet told) */
        volatile long downSince;
        /** failed checks in a row, and when the first of them failed */
        int failures;
        long firstFailureAt;

        Watched(String name, String affects, DependencyCheck.Probe probe, Runnable onReturn) {
            this.name = name;
            this.affects = affects;
            this.probe = probe;
            this.onReturn = onReturn;
        }

        void check() {
            try {
                probe.probe();
                if (failures > 0) {
                    onReturn.run();
                }
                if (downSince > 0) {
                    LOG.info("{} is reachable again after {} s; what waited is being delivered", name,
                            Math.max(1, (System.currentTimeMillis() - downSince) / 1000));
                }
                downSince = 0;
                failures = 0;
            } catch (Exception e) {
                if (failures++ == 0) {
                    firstFailureAt = System.currentTimeMillis();
                }
                // told once it failed FAILURES_TO_TELL checks in a row: one slow answer (a JVM busy compiling at
                // start, a GC pause) is not an outage, and a WARN for it sent operators looking for one
                if (failures == FAILURES_TO_TELL && downSince == 0) {
                    downSince = firstFailureAt;
                    LOG.warn("{} is unreachable ({}): {}. Logged once; its return is logged at INFO", name,
                            cause(e), affects);
                }
            }
        }

        private static String cause(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = root.getMessage() == null ? "" : root.getMessage();
            // the first sentence (MongoDB's timeouts go on with the whole cluster's description)
            int end = message.indexOf(". ");
            if (end > 0) {
                message = message.substring(0, end);
            }
            if (message.length() > 160) {
                message = message.substring(0, 160) + "...";
            }
            return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
        }
    }
}
