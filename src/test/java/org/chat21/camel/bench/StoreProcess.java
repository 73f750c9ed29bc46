package org.chat21.camel.bench;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.util.Map;

/**
 * The MongoDB-wire stand-in of one benchmark session, in a JVM of its own so that its CPU is counted
 * apart: mongo-java-server with the memory backend on a free loopback port. Announces
 * {@code {"event":"ready","port":n}} once it listens, and stops when its standard input closes.
 */
public final class StoreProcess {
    private StoreProcess() {
    }

    public static void main(String[] args) throws Exception {
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        Lines.emit(System.out, Map.of("event", "ready", "port", server.getLocalAddress().getPort()));
        while (System.in.read() >= 0) {
            // the runner never writes: wait for the end of input
        }
        server.shutdownNow();
        System.exit(0);
    }
}
