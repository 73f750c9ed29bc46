package org.chat21.camel;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow and greedy clients (slowloris): headers or a body trickled a byte at a time, and more connections than
 * one client may hold, are closed within the read timeout, while an ordinary client is served throughout.
 */
class SlowClientsIT {
    static final long READ_TIMEOUT_MS = 1500;

    /** Writes {@code text} a byte every {@code everyMs} until the server closes; the ms it took, or -1 if it never did. */
    static long trickle(Socket socket, String text, long everyMs, long giveUpMs) throws Exception {
        long start = System.nanoTime();
        OutputStream out = socket.getOutputStream();
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; System.nanoTime() - start < giveUpMs * 1_000_000; i = (i + 1) % bytes.length) {
            try {
                out.write(bytes[i]);
                out.flush();
            } catch (java.io.IOException closed) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(everyMs);
        }
        return -1;
    }

    /** Reads what the server sends until it closes, or the timeout passes. */
    static String readAll(Socket socket, int timeoutMs) throws Exception {
        socket.setSoTimeout(timeoutMs);
        InputStream in = socket.getInputStream();
        StringBuilder b = new StringBuilder();
        try {
            for (int c; (c = in.read()) >= 0; ) {
                b.append((char) c);
            }
        } catch (java.net.SocketTimeoutException e) {
            b.append("<still open>");
        }
        return b.toString();
    }

    @Test
    void tricklersAreCutAndOthersServed() throws Exception {
        try (ServiceHarness svc = new ServiceHarness(Map.of(
                "chat21.http.read-timeout-ms", String.valueOf(READ_TIMEOUT_MS),
                "chat21.http.max-connections-per-client", "40"), null)) {
            String token = svc.user("slow1");
            // headers a byte every 200 ms: cut
            try (Socket headers = new Socket("127.0.0.1", svc.port)) {
                long cut = trickle(headers, "GET /api/" + svc.appId + "/slow1/conversations HTTP/1.1\r\nHost: x\r\nX-Pad: "
                        + "a".repeat(200), 200, 10_000);
                System.out.println("trickled headers cut after " + cut + " ms");
                assertTrue(cut > 0 && cut < READ_TIMEOUT_MS + 3_000, "headers trickled for " + cut + " ms");
            }
            // a body a byte every 200 ms after complete headers: 408 JSON, then closed
            try (Socket body = new Socket("127.0.0.1", svc.port)) {
                body.getOutputStream().write(("POST /api/" + svc.appId + "/messages HTTP/1.1\r\nHost: x\r\n"
                        + "Authorization: JWT " + token + "\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
                        .getBytes(StandardCharsets.US_ASCII));
                long cut = trickle(body, "\"text\":\"x\",", 200, 10_000);
                System.out.println("trickled body cut after " + cut + " ms");
                assertTrue(cut > 0 && cut < READ_TIMEOUT_MS + 3_000, "body trickled for " + cut + " ms");
            }
            // more connections than one client may hold: the extra ones are closed at once
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    held.add(new Socket("127.0.0.1", svc.port));
                }
                try (Socket extra = new Socket("127.0.0.1", svc.port)) {
                    extra.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("", readAll(extra, 3_000), "the 41st connection is closed unanswered");
                }
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            // idle held connections are gone after the read timeout, and an ordinary client is served
            Thread.sleep(READ_TIMEOUT_MS + 500);
            assertEquals(200, svc.sendText("slow1", "slow2", "served").statusCode());
            assertEquals(200, svc.get("/api/" + svc.appId + "/slow1/conversations", token).statusCode());
            assertEquals(0, svc.db.getCollection("messages").countDocuments(
                    new org.bson.Document("text", new org.bson.Document("$regex", "^x"))), "nothing stored from a trickled body");
        }
    }
}
