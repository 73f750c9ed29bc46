package org.chat21.camel.group;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contacts lookup against a real local HTTP server. */
class ContactsTest {
    HttpServer server;
    final AtomicInteger calls = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/contacts/", exchange -> {
            calls.incrementAndGet();
            String id = exchange.getRequestURI().getPath().substring("/contacts/".length());
            byte[] body;
            int status = 200;
            switch (id) {
                case "u1" -> body = "{\"firstname\":\"Ann\",\"lastname\":\"Lee\",\"fullname\":\"Ann Lee\"}".getBytes(StandardCharsets.UTF_8);
                case "u2" -> body = "{\"firstname\":\"Bo\",\"lastname\":\"Kim\"}".getBytes(StandardCharsets.UTF_8);
                case "slow", "slow1", "slow2", "slow3", "slow4", "slow5" -> {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    body = "{}".getBytes(StandardCharsets.UTF_8);
                }
                default -> {
                    status = 404;
                    body = "{}".getBytes(StandardCharsets.UTF_8);
                }
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    Contacts contacts() {
        return new Contacts("http://127.0.0.1:" + server.getAddress().getPort() + "/contacts/", 300, 60_000, Clock.systemUTC());
    }

    @Test
    void namesComeFromTheServiceAndAreCached() {
        Contacts contacts = contacts();
        assertEquals(new Contacts.Name("Ann", "Lee", "Ann Lee"), contacts.lookup("u1"));
        assertEquals(new Contacts.Name("Ann", "Lee", "Ann Lee"), contacts.lookup("u1"));
        assertEquals(1, calls.get());
        assertEquals(new Contacts.Name("Bo", "Kim", "Bo Kim"), contacts.lookup("u2"), "fullname from first and last");
        assertEquals("Bo", contacts.lookup("u2").shortName("u2"));
    }

    @Test
    void unknownOrSlowOrAbsentServiceFallsBackToTheId() {
        Contacts contacts = contacts();
        assertEquals(new Contacts.Name("", "", "nobody"), contacts.lookup("nobody"));
        long t0 = System.nanoTime();
        assertEquals(new Contacts.Name("", "", "slow"), contacts.lookup("slow"));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "the short timeout applies");
        Contacts none = new Contacts("", 300, 60_000, Clock.systemUTC());
        assertEquals(new Contacts.Name("", "", "u1"), none.lookup("u1"));
        assertEquals("u1", none.lookup("u1").shortName("u1"));
        Contacts down = new Contacts("http://127.0.0.1:1/contacts", 300, 60_000, Clock.systemUTC());
        assertEquals(new Contacts.Name("", "", "u1"), down.lookup("u1"));
    }

    @Test
    void manyLookupsOfOneRequestShareABoundedTime() {
        Contacts contacts = contacts();
        assertEquals("Ann Lee", contacts.lookup("u1").fullname());
        Contacts.Budget budget = contacts.budget();
        long t0 = System.nanoTime();
        for (int i = 1; i <= 5; i++) {
            assertEquals(new Contacts.Name("", "", "slow" + i), budget.lookup("slow" + i));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1500, "five slow lookups took " + ms + " ms; the budget is three timeouts (900 ms)");
        assertEquals("Ann Lee", budget.lookup("u1").fullname(), "cached names are still used after the budget");
    }
}
