package org.chat21.camel.bench;

import org.chat21.camel.operations.LoopbackHttp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The load generator's HTTP/1.1 client: up to {@code size} keep-alive connections, each owned by a thread
 * that sends a request and reads its answer (operations.LoopbackHttp: blocking I/O, a write and a read or two
 * per request). A
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
        return LoopbackHttp.post(host, port, path, json, "Authorization", authorization);
    }

    private void work() {
        LoopbackHttp connection = new LoopbackHttp(address.getHostString(), address.getPort(), 30_000);
        try {
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
                    job.callback().accept(connection.exchange(job.request()), null);
                } catch (IOException e) {
                    job.callback().accept(-1, e);
                }
            }
        } finally {
            connection.close();
        }
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
