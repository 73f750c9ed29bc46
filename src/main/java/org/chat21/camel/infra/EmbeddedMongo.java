package org.chat21.camel.infra;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.apache.camel.support.service.ServiceSupport;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The zero-setup store: mongo-java-server with its H2 backend, listening on loopback and speaking the
 * MongoDB wire protocol, so the service talks to it through the official driver exactly as it would to
 * MongoDB. Data lives in one file under the data directory and survives a restart.
 */
public class EmbeddedMongo extends ServiceSupport {
    private final Path file;
    private H2Backend backend;
    private MongoServer server;
    private String uri;

    public EmbeddedMongo(Path dataDir) {
        this.file = dataDir.resolve("chatdb.mv");
    }

    @Override
    protected void doStart() throws Exception {
        Files.createDirectories(file.getParent());
        backend = new H2Backend(file.toString());
        server = new MongoServer(backend);
        InetSocketAddress address = server.bind();
        uri = "mongodb://127.0.0.1:" + address.getPort() + "/chatdb";
    }

    @Override
    protected void doStop() {
        if (server != null) {
            server.shutdown();
        }
        if (backend != null) {
            backend.close();
        }
    }

    public String uri() {
        return uri;
    }

    public Path file() {
        return file;
    }
}
