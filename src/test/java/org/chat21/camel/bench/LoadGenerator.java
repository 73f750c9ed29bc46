package org.chat21.camel.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import org.chat21.camel.TestTokens;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator, in a JVM of its own (its CPU is counted apart). Per session (one service under
 * test, or the raw limit) it holds a subscriber: a queue bound to {@code amq.topic} for the session's app,
 * where every recipient's {@code clientadded} copy arrives. A step sends messages open loop at a fixed
 * rate over keep-alive HTTP/1.1 connections ({@link HttpPool}), or, for the raw limit, only watches: the raw
 * program generates on the same schedule (both read the machine's monotonic clock, which
 * {@link System#nanoTime} is on Linux). Latency is from the moment a message was due to the moment its
 * copy is consumed, so a generator that falls behind adds to it.
 *
 * <p>Commands (JSON lines on stdin): {@code session}, {@code groups}, {@code step}, {@code close}. Each is
 * answered with one {@code ok} or {@code result} event; a step that can no longer meet p99 <= 100 ms
 * (more copies later than 100 ms than 1 % of the step's copies) stops early and says so with an
 * {@code abort} event first.
 */
public final class LoadGenerator {
    private final PrintStream out = System.out;
    private final Connection rabbit;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * Keep-alive connections to a service at most: a message waiting for a free one is late by that wait,
     * since latency counts from the moment it was due.
     */
    private final int connections = Integer.getInteger("bench.connections", 64);
    private final Map<String, Session> sessions = new HashMap<>();

    private LoadGenerator(String rabbitUri) throws Exception {
        ConnectionFactory cf = new ConnectionFactory();
        cf.setUri(rabbitUri);
        rabbit = cf.newConnection("chat21-bench-loadgen");
    }

    public static void main(String[] args) {
        try {
            LoadGenerator generator = new LoadGenerator(args[0]);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> command = Lines.read(line);
                try {
                    Lines.emit(generator.out, generator.handle(command));
                } catch (Exception e) {
                    e.printStackTrace();
                    Lines.emit(generator.out, Map.of("event", "error", "message", String.valueOf(e)));
                }
            }
        } catch (Throwable e) {
            e.printStackTrace(); // the runner sees the process end
            System.exit(1);
        }
        System.exit(0);
    }

    private Map<String, Object> handle(Map<String, Object> command) throws Exception {
        String id = Lines.str(command, "id");
        switch (Lines.str(command, "cmd")) {
            case "session" -> {
                sessions.put(id, new Session(Lines.str(command, "app"), Lines.str(command, "base")));
                return Map.of("event", "ok");
            }
            case "groups" -> {
                return sessions.get(id).createGroups();
            }
            case "step" -> {
                return sessions.get(id).step(command);
            }
            case "close" -> {
                Session s = sessions.remove(id);
                if (s != null) {
                    s.close();
                }
                return Map.of("event", "ok");
            }
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
    }

    /** One target's subscriber and tokens. */
    private final class Session {
        private final String app;
        private final String base;
        private final Channel channel;
        private final String queue;
        private final Map<String, String> tokens = new ConcurrentHashMap<>();
        private final HttpPool pool;
        private final URI uri;
        private volatile Step step;

        Session(String app, String base) throws Exception {
            this.app = app;
            this.base = base;
            this.uri = base == null ? null : URI.create(base);
            this.pool = base == null ? null : new HttpPool(uri.getHost(), uri.getPort(), connections);
            channel = rabbit.createChannel();
            queue = channel.queueDeclare("", false, true, true, null).getQueue();
            for (String key : Workload.bindings(app)) {
                channel.queueBind(queue, "amq.topic", key);
            }
            channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
                    long now = System.nanoTime();
                    Step current = step;
                    if (current != null) {
                        current.copy(body, now);
                    }
                }
            });
        }

        String token(String user) {
            return tokens.computeIfAbsent(user, u -> TestTokens.user(u, app));
        }

        /** The 20 groups of 10, created over the API by their first member. */
        Map<String, Object> createGroups() throws Exception {
            int created = 0;
            Map<String, Integer> failures = new TreeMap<>();
            for (int g = 0; g < Workload.GROUPS; g++) {
                StringBuilder members = new StringBuilder();
                for (int m = 0; m < Workload.GROUP_SIZE; m++) {
                    members.append(m == 0 ? "" : ",").append('"').append(Workload.member(g, m)).append("\":1");
                }
                String body = "{\"group_id\":\"" + Workload.groupId(g) + "\",\"group_name\":\"Bench " + g
                        + "\",\"group_members\":{" + members + "}}";
                HttpResponse<String> r = http.send(post("/api/" + app + "/groups", Workload.member(g, 0), body),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 == 2) {
                    created++;
                } else {
                    failures.merge(r.statusCode() + " " + r.body(), 1, Integer::sum);
                }
            }
            return Map.of("event", "ok", "created", created, "failures", failures);
        }

        HttpRequest post(String path, String user, String body) {
            return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "JWT " + token(user))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        }

        byte[] message(String kind, String marker, int seq) {
            String from = Workload.sender(kind, seq);
            String to = Workload.recipient(kind, seq);
            String body = "{\"sender_fullname\":\"" + from + " Name\",\"recipient_id\":\"" + to + "\",\"recipient_fullname\":\""
                    + to + " Name\",\"text\":\"" + Workload.text(marker, seq) + "\""
                    + (Workload.isGroup(kind) ? ",\"channel_type\":\"group\"}" : "}");
            return HttpPool.post(uri.getHost(), uri.getPort(), "/api/" + app + "/messages", "JWT " + token(from), body);
        }

        /** Polls {@code GET /} until it answers 200; the moment it did. */
        long awaitReady(long timeoutMs) throws InterruptedException {
            HttpRequest ping = HttpRequest.newBuilder(URI.create(base + "/")).timeout(Duration.ofSeconds(2)).GET().build();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (System.nanoTime() < deadline) {
                try {
                    if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return System.nanoTime();
                    }
                } catch (Exception e) {
                    // not listening yet
                }
                Thread.sleep(10);
            }
            throw new IllegalStateException("service did not answer GET / within " + timeoutMs / 1000 + " s");
        }

        Map<String, Object> step(Map<String, Object> command) throws Exception {
            String kind = Lines.str(command, "kind");
            String marker = Lines.str(command, "marker");
            int rate = (int) Lines.num(command, "rate", 100);
            int seconds = (int) Lines.num(command, "seconds", 10);
            boolean send = !"raw".equals(Lines.str(command, "target"));
            boolean abortEnabled = Boolean.TRUE.equals(command.get("abort"));
            long drainNanos = TimeUnit.SECONDS.toNanos(Lines.num(command, "drainSeconds", 5));
            int firstSeconds = (int) Lines.num(command, "firstSeconds", 10);
            int skipSeconds = (int) Lines.num(command, "skipSeconds", 5);
            long readyAt = 0;
            long start = Lines.num(command, "start", 0);
            if (Boolean.TRUE.equals(command.get("waitReady"))) {
                readyAt = awaitReady(180_000);
                start = readyAt;
            } else if (start == 0) {
                start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            }
            int n = rate * seconds;
            int per = Workload.observedPerMessage(kind);
            // the step stops once the quantile of copies within lateMs is out of reach (p99 <= 100 ms by default)
            long lateNanos = TimeUnit.MILLISECONDS.toNanos(Lines.num(command, "lateMs", 100));
            double quantile = command.get("quantile") instanceof Number q ? q.doubleValue() : 0.99;
            Step s = new Step(marker, n, start, 1_000_000_000L / rate, per, lateNanos, quantile);
            step = s;
            Thread monitor = new Thread(() -> s.watch(abortEnabled), "monitor");
            monitor.setDaemon(true);
            monitor.start();

            Tally tally = new Tally();
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger maxInFlight = new AtomicInteger();
            int sent = 0;
            long maxLag = 0;
            if (!send) {
                // the raw program sends on this schedule: wait for its end (or an abort)
                long end = s.due(n - 1);
                while (!s.aborted && System.nanoTime() < end) {
                    LockSupport.parkNanos(20_000_000L);
                }
                long now = System.nanoTime();
                sent = s.aborted ? (int) Math.min(n, Math.max(0, (now - start) / s.interval + 1)) : n;
            }
            for (int seq = 0; send && seq < n && !s.aborted; seq++) {
                long due = s.due(seq);
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                if (s.aborted) {
                    break;
                }
                if (send) {
                    byte[] request = message(kind, marker, seq);
                    maxLag = Math.max(maxLag, System.nanoTime() - due);
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    pool.send(request, (status, error) -> {
                        inFlight.decrementAndGet();
                        tally.add(status, error);
                    });
                }
                sent++;
            }
            long lastDue = s.due(Math.max(0, sent - 1));
            s.sent = sent;
            long answersBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (inFlight.get() > 0 && System.nanoTime() < answersBy) {
                Thread.sleep(10); // the last answers (failures are in the tally)
            }
            long expected = (long) sent * per;
            long drainUntil = lastDue + drainNanos;
            while (s.latencies.seen() < expected && System.nanoTime() < drainUntil) {
                Thread.sleep(20);
            }
            double drainSeconds = s.latencies.seen() >= expected ? Math.max(0, (System.nanoTime() - lastDue) / 1e9) : Double.NaN;
            step = null;
            s.stopWatching = true;

            int first = Math.min(sent, firstSeconds * rate);
            int skip = Math.min(sent, skipSeconds * rate);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("event", "result");
            result.put("sent", sent);
            result.put("accepted", send ? tally.ok() : sent);
            result.put("errors", send ? tally.errors() : Map.of());
            result.put("aborted", s.aborted);
            result.put("abortAtSeconds", s.abortAtSeconds);
            result.put("maxLagMs", maxLag / 1e6);
            result.put("maxInFlight", maxInFlight.get());
            result.put("connections", send ? pool.connections() : 0);
            result.put("seen", s.latencies.seen());
            result.put("expectedSeen", expected);
            result.put("drainSeconds", drainSeconds);
            result.put("readyAt", readyAt);
            result.put("all", s.latencies.summary(0, sent, expected));
            result.put("first", s.latencies.summary(0, first, (long) first * per));
            result.put("rest", s.latencies.summary(first, sent, (long) (sent - first) * per));
            result.put("fromSkip", s.latencies.summary(skip, sent, (long) (sent - skip) * per));
            result.put("maxBySecond", s.latencies.maxBySecond(rate, (sent + rate - 1) / rate));
            return result;
        }

        void close() throws Exception {
            if (pool != null) {
                pool.close();
            }
            channel.queueDelete(queue);
            channel.close();
        }
    }

    /** One step's schedule and what arrived of it. */
    private final class Step {
        final byte[] markerDash;
        final int n;
        final long start;
        final long interval;
        final int per;
        final Latencies latencies;
        final long lateNanos;
        final double quantile;
        volatile int sent = -1;
        volatile boolean aborted;
        volatile boolean stopWatching;
        volatile double abortAtSeconds = Double.NaN;

        Step(String marker, int n, long start, long interval, int per, long lateNanos, double quantile) {
            this.markerDash = (marker + "-").getBytes(StandardCharsets.US_ASCII);
            this.n = n;
            this.start = start;
            this.interval = interval;
            this.per = per;
            this.lateNanos = lateNanos;
            this.quantile = quantile;
            this.latencies = new Latencies(n * per, lateNanos);
        }

        long due(int seq) {
            return start + seq * interval;
        }

        void copy(byte[] body, long now) {
            int seq = Workload.seq(body, markerDash);
            if (seq >= 0 && seq < n) {
                latencies.add(seq, now - due(seq));
            }
        }

        /**
         * Every 100 ms: copies certainly later than 100 ms (lateNanos) are those seen late, plus those of
         * messages due more than 100 ms ago that have not arrived (at least: due copies minus every copy
         * seen). Past 1 % (1 - quantile) of the step's copies, its p99 cannot be within 100 ms: stop sending.
         */
        void watch(boolean abortEnabled) {
            long allowed = Latencies.allowedLate((long) n * per, quantile);
            while (abortEnabled && !stopWatching && !aborted) {
                LockSupport.parkNanos(100_000_000L);
                long now = System.nanoTime();
                long horizon = now - lateNanos;
                int limit = sent >= 0 ? sent : n;
                long due = horizon < start ? 0 : Math.min(limit, (horizon - start) / interval + 1);
                long late = latencies.seenLate() + Math.max(0, due * per - latencies.seen());
                if (late > allowed) {
                    abortAtSeconds = (now - start) / 1e9;
                    aborted = true;
                    Lines.emit(out, Map.of("event", "abort", "atSeconds", abortAtSeconds));
                }
            }
        }
    }

    /** Responses by outcome: 200 is accepted, anything else (status or exception) an error. */
    private static final class Tally {
        private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

        void add(int status, Exception error) {
            String key = error != null ? error.getClass().getSimpleName() : String.valueOf(status);
            outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
        }

        long ok() {
            LongAdder ok = outcomes.get("200");
            return ok == null ? 0 : ok.sum();
        }

        Map<String, Long> errors() {
            Map<String, Long> errors = new TreeMap<>();
            outcomes.forEach((k, v) -> {
                if (!k.equals("200")) {
                    errors.put(k, v.sum());
                }
            });
            return errors;
        }
    }
}
