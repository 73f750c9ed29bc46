package org.chat21.camel.bench;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;

import java.util.Map;

/**
 * A MongoDB-wire stand-in in a JVM of its own: mongo-java-server on a loopback port. With no arguments (the
 * benchmark: its CPU counted apart) the memory backend on a free port; with {@code <file> <port>} (the fault
 * tests: killed and started again) an H2 file written through after every write, as a journaled MongoDB keeps
 * what it acknowledged. Announces {@code {"event":"ready","port":n}} once it listens, and stops when its
 * standard input closes.
 */
public final class StoreProcess {
    private StoreProcess() {
    }

    public static void main(String[] args) throws Exception {
        MongoServer server = args.length == 2
                ? new MongoServer(new WrittenThrough(args[0]))
                : new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", args.length == 2 ? Integer.parseInt(args[1]) : 0);
        Lines.emit(System.out, Map.of("event", "ready", "port", server.getLocalAddress().getPort()));
        while (System.in.read() >= 0) {
            // the runner never writes: wait for the end of input
        }
        server.shutdownNow();
        System.exit(0);
    }

    /** H2 commits every second by default: a killed store would lose what it acknowledged in the last one. */
    static final class WrittenThrough extends H2Backend {
        WrittenThrough(String file) {
            super(file);
        }

        @Override
        public Document handleMessage(MongoMessage message) {
            Document answer = super.handleMessage(message);
            commit();
            return answer;
        }
    }
}
