package org.chat21.camel;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.chat21.camel.common.Json;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A local HTTP receiver for webhook and bridge tests, on a free loopback port: every request is recorded
 * (path, headers, raw body, parsed JSON); each path answers what its behaviour says (200 by default).
 */
final class HookReceiver implements AutoCloseable {
    /** What a path answers for its n-th request (1-based); a negative status = never answer (hold the connection). */
    interface Behaviour {
        int status(int n);
    }

    /** What a path answers to a request: a status and a body (a stand-in of another system's API). */
    interface Responder {
        Reply reply(Hit hit);
    }

    record Reply(int status, String body) {
    }

    /** What a path answers to a request, decided (and waited for: a slow remote) by the test: a status. */
    interface Handler {
        int status(Hit hit, int n) throws InterruptedException;
    }

    record Hit(String path, Map<String, List<String>> headers, byte[] raw, Map<String, Object> json, long at,
               String query) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    final List<Hit> hits = new CopyOnWriteArrayList<>();
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private final Map<String, Responder> responders = new ConcurrentHashMap<>();
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> active = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> mostActive = new ConcurrentHashMap<>();

    HookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void behave(String path, Behaviour behaviour) {
        behaviours.put(path, behaviour);
    }

    /** {@code path} answers what {@code responder} says (instead of a behaviour's status and {"ok":true}). */
    void respond(String path, Responder responder) {
        responders.put(path, responder);
    }

    /** {@code path} answers what {@code handler} says, after as long as it takes. */
    void handle(String path, Handler handler) {
        handlers.put(path, handler);
    }

    /** The most requests {@code path} had under way at once. */
    int mostActive(String path) {
        return mostActive.getOrDefault(path, new java.util.concurrent.atomic.AtomicInteger()).get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        int now = active.computeIfAbsent(path, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        mostActive.computeIfAbsent(path, k -> new java.util.concurrent.atomic.AtomicInteger()).accumulateAndGet(now, Math::max);
        try {
            record(exchange);
        } finally {
            active.get(path).decrementAndGet();
        }
    }

    private void record(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] raw;
        try (InputStream in = exchange.getRequestBody()) {
            raw = in.readAllBytes();
        }
        int n = counts.merge(path, 1, Integer::sum);
        Map<String, Object> json;
        try {
            json = Json.readMap(raw);
        } catch (RuntimeException e) {
            json = Map.of();
        }
        Hit hit = new Hit(path, Map.copyOf(exchange.getRequestHeaders()), raw, json, System.currentTimeMillis(),
                exchange.getRequestURI().getRawQuery());
        hits.add(hit);
        Handler handler = handlers.get(path);
        if (handler != null) {
            int status;
            try {
                status = handler.status(hit, n);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = 500;
            }
            answer(exchange, status, "{\"ok\":" + (status < 300) + "}");
            return;
        }
        Responder responder = responders.get(path);
        if (responder != null) {
            Reply reply = responder.reply(hit);
            answer(exchange, reply.status(), reply.body());
            return;
        }
        int status = behaviours.getOrDefault(path, k -> 200).status(n);
        if (status < 0) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        answer(exchange, status, "{\"ok\":true}");
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    List<Hit> at(String path, Predicate<Hit> filter) {
        return hits.stream().filter(h -> h.path().equals(path) && filter.test(h)).collect(Collectors.toList());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
