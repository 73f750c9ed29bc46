package org.chat21.camel.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import org.bson.Document;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What one session measures: a design (its checkout's jar, run with the checkout as working directory so
 * its own routes and application.properties are used) or the raw limit, each with a fresh store process
 * and an app id of its own. The broker objects a design declares under names from its properties
 * ({@code chat21.* = chat21.<something>}, e.g. {@code chat21.queue.direct}) are renamed for the session
 * ({@code bench.<session>.<something>}) with {@code -D} and deleted when it closes.
 */
final class Target implements AutoCloseable {
    final String name;
    final Path checkout;
    final String session;
    final String app;
    Child store;
    /** the service under test, or the raw program */
    Child service;
    MongoClient mongo;
    MongoCollection<Document> messages;
    String storeUri;
    int port;
    /** broker objects of this session, as renamed; the ones that exist as queues are its backlog */
    final List<String> brokerNames = new ArrayList<>();
    final List<String> queues = new ArrayList<>();
    long lastLoadEnd;
    double warmSeconds = Double.NaN;
    double warmJit = Double.NaN;

    Target(String name, Path checkout, String runId, int counter) {
        this.name = name;
        this.checkout = checkout;
        String tag = runId + name.replaceAll("[^A-Za-z0-9]", "") + counter;
        this.session = "bench." + tag;
        this.app = "b" + tag;
    }

    /**
     * A fresh service process of {@code warm}'s design on {@code warm}'s store (warm too), with a session and app
     * of its own: a rolling deploy's new instance. Closing it leaves the store to {@code warm}.
     */
    static Target restartOf(Target warm, String runId, int counter) {
        Target t = new Target(warm.name, warm.checkout, runId, counter);
        t.ownsStore = false;
        t.store = warm.store;
        t.storeUri = warm.storeUri;
        t.mongo = warm.mongo;
        t.messages = warm.messages;
        return t;
    }

    boolean raw() {
        return checkout == null;
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    void startStore(Path logs) throws Exception {
        store = Child.program(name + "-store", StoreProcess.class, List.of("-Xmx4g"), List.of(), logs.resolve(session + "-store.log"));
        int storePort = (int) Lines.num(store.await("ready", 60_000), "port", 0);
        storeUri = "mongodb://127.0.0.1:" + storePort + "/chatdb";
        mongo = MongoClients.create(storeUri);
        messages = mongo.getDatabase("chatdb").getCollection("messages");
    }

    /** The design's jar with this session's store, broker names and port. */
    void startService(Path logs, String rabbitUri, List<String> jvmOptions) throws IOException {
        port = freePort();
        List<String> options = new ArrayList<>(jvmOptions);
        renamedProperties().forEach((key, value) -> {
            options.add("-D" + key + "=" + value);
            brokerNames.add(value);
        });
        // only this app's client publications reach this session's observer queues (unknown key elsewhere: ignored)
        options.add("-Dchat21.observer.app=" + app);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MONGODB_URI", storeUri);
        env.put("RABBITMQ_URI", rabbitUri);
        env.put("PORT", String.valueOf(port));
        env.put("JWT_KEY", "tokenKey");
        env.put("LOG_LEVEL", System.getenv().getOrDefault("LOG_LEVEL", "WARN"));
        service = Child.service(name, checkout, options, env, logs.resolve(session + "-service.log"));
    }

    void startRaw(Path logs, String rabbitUri) throws Exception {
        service = Child.program(name, RawLimit.class, List.of("-Xmx1g"), List.of(storeUri, rabbitUri, app),
                logs.resolve(session + "-raw.log"));
        service.await("ready", 60_000);
    }

    /** Properties of the checkout whose value names a broker object ({@code chat21.<...>}), renamed for this session. */
    Map<String, String> renamedProperties() throws IOException {
        Properties props = new Properties();
        Path file = checkout.resolve("application.properties");
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                props.load(r);
            }
        }
        Map<String, String> renamed = new LinkedHashMap<>();
        for (String key : props.stringPropertyNames()) {
            String value = props.getProperty(key).trim();
            if (key.startsWith("chat21.") && value.matches("chat21\\.[A-Za-z0-9_.-]+")) {
                renamed.put(key, session + value.substring("chat21".length()));
            }
        }
        return renamed;
    }

    long count() {
        return messages.estimatedDocumentCount();
    }

    /** Empties the timeline copies and conversations (indexes stay), between steps when nothing is in flight. */
    void clearTimelines() {
        messages.deleteMany(new Document());
        mongo.getDatabase("chatdb").getCollection("conversations").deleteMany(new Document());
    }

    /** Which of the renamed names are queues (the design's delivery backlog), looked up once the service runs. */
    void findQueues(Connection admin) {
        queues.clear();
        // an exchange and its queue often share a name (chat21.exchange.direct = chat21.queue.direct)
        for (String name : brokerNames.stream().distinct().toList()) {
            try (Channel ch = admin.createChannel()) {
                ch.queueDeclarePassive(name);
                queues.add(name);
            } catch (Exception e) {
                // not a queue (an exchange, a prefix)
            }
        }
    }

    /** Ready messages in the design's queues; 0 for the raw limit (it reports its own). */
    int depth(Channel admin) throws IOException {
        int sum = 0;
        for (String queue : queues) {
            sum += admin.queueDeclarePassive(queue).getMessageCount();
        }
        return sum;
    }

    /** Stops the service (or raw program) and the store; again: nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (service != null) {
            if (raw()) {
                service.close();
            } else {
                service.terminate(20);
            }
        }
        if (ownsStore && mongo != null) {
            mongo.close();
        }
        if (ownsStore && store != null) {
            store.close();
        }
    }

    private boolean closed;
    private boolean ownsStore = true;

    private static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
