package org.chat21.camel.group;

import org.chat21.camel.common.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Member names for the group info messages, from Chat21's optional contacts service
 * ({@code CONTACTS_LOOKUP_ENDPOINT}: {@code GET <endpoint>/<user_id>} answers
 * {@code {firstname, lastname, fullname}}). Answers are cached; a lookup has a short timeout. Without an
 * endpoint, or when the service fails, the id is the name and nothing else fails.
 */
public class Contacts {
    private static final Logger LOG = LoggerFactory.getLogger(Contacts.class);
    private static final int MAX_ENTRIES = 10_000;

    /** A contact's names; {@code fullname} is never empty (the id when nothing better is known). */
    public record Name(String firstname, String lastname, String fullname) {
        /** What Chat21 writes into "X added to group": the first name, or the id. */
        public String shortName(String id) {
            return firstname.isBlank() ? id : firstname;
        }
    }

    private record Entry(Name name, long until) {
    }

    private final String endpoint;
    private final Duration timeout;
    private final long ttlMs;
    private final long failureTtlMs;
    private final Clock clock;
    private final HttpClient http;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    /** Bound in routes/beans.yaml from the {@code chat21.contacts.*} settings. */
    public Contacts(String endpoint, long timeoutMs, long ttlMs) {
        this(endpoint, timeoutMs, ttlMs, Clock.systemUTC());
    }

    /** @param endpoint the service's base URL, or blank for none */
    public Contacts(String endpoint, long timeoutMs, long ttlMs, Clock clock) {
        this.endpoint = endpoint == null || endpoint.isBlank() ? null : endpoint.replaceAll("/+$", "");
        this.timeout = Duration.ofMillis(timeoutMs);
        this.ttlMs = ttlMs;
        this.failureTtlMs = Math.min(ttlMs, 10_000);
        this.clock = clock;
        this.http = this.endpoint == null ? null
                : HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public Name lookup(String userId) {
        return lookup(userId, true);
    }

    /**
     * Lookups for many members of one request (a group's creation, say), sequential like Chat21's, but
     * within a total time of three lookup timeouts: after that, only cached names are used and the rest
     * get their ids, so a slow contacts service cannot hold a request for members x timeout.
     */
    public Budget budget() {
        return new Budget(System.nanoTime() + 3 * timeout.toNanos());
    }

    public final class Budget {
        private final long deadline;

        private Budget(long deadline) {
            this.deadline = deadline;
        }

        public Name lookup(String userId) {
            return Contacts.this.lookup(userId, System.nanoTime() < deadline);
        }
    }

    private Name lookup(String userId, boolean mayFetch) {
        if (endpoint == null) {
            return fallback(userId);
        }
        long now = clock.millis();
        Entry cached = cache.get(userId);
        if (cached != null && cached.until() > now) {
            return cached.name();
        }
        if (!mayFetch) {
            return fallback(userId);
        }
        Name name = fetch(userId);
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        cache.put(userId, new Entry(name != null ? name : fallback(userId), now + (name != null ? ttlMs : failureTtlMs)));
        return name != null ? name : fallback(userId);
    }

    static Name fallback(String userId) {
        return new Name("", "", userId);
    }

    private Name fetch(String userId) {
        try {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create(endpoint + "/" + URLEncoder.encode(userId, StandardCharsets.UTF_8)))
                    .timeout(timeout).header("Accept", "application/json").GET().build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.warn("contacts lookup of {} answered {}; using the id as the name", userId, response.statusCode());
                return null;
            }
            Map<String, Object> body = Json.readMap(response.body());
            return nameOf(userId, text(body.get("firstname")), text(body.get("lastname")), text(body.get("fullname")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LOG.warn("contacts lookup of {} failed ({}); using the id as the name", userId, e.toString());
            return null;
        }
    }

    /** Chat21's getFullnameOf: the full name, else "first last", else either, else the id. */
    static Name nameOf(String userId, String first, String last, String full) {
        String fullname = full.trim();
        if (fullname.isEmpty()) {
            fullname = (first + " " + last).trim();
        }
        if (fullname.isEmpty()) {
            fullname = userId;
        }
        return new Name(first.trim(), last.trim(), fullname);
    }

    private static String text(Object value) {
        return value instanceof String s ? s : "";
    }
}
