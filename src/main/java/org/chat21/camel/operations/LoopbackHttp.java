package org.chat21.camel.operations;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One blocking HTTP/1.1 keep-alive connection: a request written whole, its answer's status read and its body
 * dropped. For the start-up warm-up (and the benchmark's load generator): far less code and CPU per request
 * than java.net.http, whose own compilation would compete with the service's while it warms up. Not thread
 * safe: one per thread.
 */
public final class LoopbackHttp implements Closeable {
    private final InetSocketAddress address;
    private final int timeoutMs;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public LoopbackHttp(String host, int port, int timeoutMs) {
        this.address = new InetSocketAddress(host, port);
        this.timeoutMs = timeoutMs;
    }

    /** A whole POST request with a JSON body; {@code headers} are name, value pairs. */
    public static byte[] post(String host, int port, String path, String json, String... headers) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append(':')
                .append(port).append("\r\nContent-Type: application/json\r\n");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[h.length + body.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(body, 0, request, h.length, body.length);
        return request;
    }

    /** Sends the request (connecting first if needed) and returns the answer's status; a failure closes the connection. */
    public int exchange(byte[] request) throws IOException {
        try {
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(address, timeoutMs);
                socket.setSoTimeout(timeoutMs);
                in = new BufferedInputStream(socket.getInputStream(), 8192);
                out = socket.getOutputStream();
            }
            out.write(request);
            out.flush();
            int[] statusAndClose = readResponse(in);
            if (statusAndClose[1] == 1) {
                close();
            }
            return statusAndClose[0];
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }

    /** Status line, headers, and the body (Content-Length or chunked) read and dropped: {status, 1 if closing}. */
    private static int[] readResponse(InputStream in) throws IOException {
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
            close = true; // a body until the connection closes: not expected from the service
        }
        return new int[]{status, close ? 1 : 0};
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
}
