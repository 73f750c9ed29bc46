package org.chat21.camel;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server-sent events client on java.net.http, reading the stream as the SSE specification says: fields
 * of a block up to a blank line; a comment line ({@code : ...}) is passed on as an event of its own.
 */
final class SseClient implements AutoCloseable {
    /** A dispatched block ({@code name} null and {@code data} null for an id-only block) or a comment. */
    record Event(String id, String name, String data, String comment) {
        boolean isData() {
            return data != null;
        }
    }

    static final Event END = new Event(null, null, null, "<end of stream>");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final HttpResponse<InputStream> response;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        if (response.statusCode() == 200) {
            reader.start();
        }
    }

    /** Opens {@code url}; {@code headers} name, value, ... */
    static SseClient open(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return new SseClient(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    int status() {
        return response.statusCode();
    }

    /** The body of a refusal. */
    String body() throws Exception {
        try (InputStream in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The next event of any kind, or null after {@code timeoutMs}. */
    Event next(long timeoutMs) throws InterruptedException {
        return events.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The next event with data (skipping comments and id-only blocks), or null after {@code timeoutMs}. */
    Event nextData(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            Event e = events.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (e == null || e.isData() || e == END) {
                return e;
            }
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            StringBuilder data = null;
            boolean any = false;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (any) {
                        events.add(new Event(id, name, data == null ? null : data.toString(), null));
                    }
                    name = null;
                    data = null;
                    any = false;
                } else if (line.startsWith(":")) {
                    events.add(new Event(null, null, null, line.substring(1).trim()));
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                    any = true;
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> name = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (Exception e) {
            // closed
        }
        events.add(END);
    }

    @Override
    public void close() throws Exception {
        response.body().close();
    }
}
