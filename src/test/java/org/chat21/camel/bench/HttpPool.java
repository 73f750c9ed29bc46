package org.chat21.camel.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The load generator's HTTP/1.1 client: up to {@code size} keep-alive connections, each owned by a thread
 * that sends a request and reads its answer (blocking I/O: a write and a read or two per request). A
 * request waits in a queue for a free connection; a connection (and its thread) is added only when none is
 * free. Much cheaper per request than java.net.http on this kind of machine, so the generator takes less
 * of the CPU the service under test needs.
 */
final class HttpPool implements AutoCloseable {
    /** A request's outcome: the status, or the exception that ended it (status -1). */
    interface Callback extends BiConsumer<Integer, Exception> {
    }

    private record Job(byte[] request, Callback callback) {
    }

    private final InetSocketAddress address;
    private final int size;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger workers = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private volatile boolean closed;

    HttpPool(String host, int port, int size) {
        this.address = new InetSocketAddress(host, port);
        this.size = size;
    }

    int connections() {
        return workers.get();
    }

    /** Queues the request (a whole HTTP/1.1 request, headers and body); the callback runs on a connection's thread. */
    void send(byte[] request, Callback callback) {
        queue.add(new Job(request, callback));
        if (idle.get() == 0 && workers.get() < size) {
            if (workers.incrementAndGet() <= size) {
                Thread t = new Thread(this::work, "http-" + workers.get());
                t.setDaemon(true);
                t.start();
            } else {
                workers.decrementAndGet();
            }
        }
    }

    static byte[] post(String host, int port, String path, String authorization, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: application/json\r\n"
                + "Authorization: " + authorization + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[h.length + body.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(body, 0, request, h.length, body.length);
        return request;
    }

    private void work() {
        Socket socket = null;
        InputStream in = null;
        OutputStream out = null;
        while (!closed) {
            Job job;
            idle.incrementAndGet();
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return;
            } finally {
                idle.decrementAndGet();
            }
            if (job.request() == null) {
                break; // closed
            }
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.setTcpNoDelay(true);
                    socket.connect(address, 5000);
                    socket.setSoTimeout(30_000);
                    in = new BufferedInputStream(socket.getInputStream(), 8192);
                    out = socket.getOutputStream();
                }
                out.write(job.request());
                out.flush();
                Response r = readResponse(in);
                if (r.close()) {
                    socket.close();
                    socket = null;
                }
                job.callback().accept(r.status(), null);
            } catch (IOException | RuntimeException e) {
                try {
                    if (socket != null) {
                        socket.close();
                    }
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
                job.callback().accept(-1, e);
            }
        }
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private record Response(int status, boolean close) {
    }

    /** Status line, headers, and the body (Content-Length or chunked) read and dropped. */
    private static Response readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).trim().toLowerCase();
            String value = header.substring(colon + 1).trim().toLowerCase();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "connection" -> close = value.contains("close");
                default -> {
                }
            }
        }
        if (chunked) {
            for (long chunk = Long.parseLong(line(in).split(";")[0].trim(), 16); chunk > 0;
                 chunk = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                skip(in, chunk);
                line(in);
            }
            while (!line(in).isEmpty()) {
                // trailers
            }
        } else if (length > 0) {
            skip(in, length);
        } else if (length < 0) {
            close = true; // body until the connection closes: not expected from the service
        }
        return new Response(status, close);
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** Each connection's thread finishes what it is doing, closes its connection and ends. */
    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < size; i++) {
            queue.add(new Job(null, null));
        }
    }
}
