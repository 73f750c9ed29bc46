package org.chat21.camel.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.bson.Document;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static com.mongodb.client.model.Indexes.ascending;

/**
 * The raw limit: in a JVM of its own, only what any implementation must do per message, with none of the
 * service's HTTP, JWT, routing or outbox. Messages are generated open loop on the load generator's
 * schedule into an in-memory queue (the analogue of a delivery queue); each of a few workers takes what
 * is pending (up to {@code batch} messages), writes every copy ({@code insertMany}) and upserts every
 * copy's conversation ({@code bulkWrite}) on the store, with the indexes the service creates on those two
 * collections, then publishes every copy to {@code amq.topic} (persistent, as the service does) and waits
 * for the broker's confirms once per batch. The load generator's subscriber consumes the copies exactly as
 * in a run of the service. Arguments: MongoDB URI, AMQP URI, app id.
 */
public final class RawLimit {
    private static final InsertManyOptions UNORDERED_INSERT = new InsertManyOptions().ordered(false);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
    private static final AMQP.BasicProperties PERSISTENT_JSON = new AMQP.BasicProperties.Builder()
            .contentType("application/json").contentEncoding("UTF-8").deliveryMode(2).build();

    private final String app;
    private final MongoCollection<Document> messages;
    private final MongoCollection<Document> conversations;
    private final Connection rabbit;
    private final List<Channel> channels = new ArrayList<>();
    private volatile boolean stop;

    private RawLimit(String mongoUri, String rabbitUri, String app) throws Exception {
        this.app = app;
        MongoClient mongo = MongoClients.create(mongoUri);
        MongoDatabase db = mongo.getDatabase("chatdb");
        messages = db.getCollection("messages");
        conversations = db.getCollection("conversations");
        // the service's indexes on these two collections (infra.Indexes): their upkeep is part of the cost
        messages.createIndex(ascending("timelineOf", "message_id"), new IndexOptions().unique(true));
        messages.createIndex(ascending("timelineOf", "conversWith"));
        conversations.createIndex(ascending("timelineOf", "conversWith", "app_id"), new IndexOptions().unique(true));
        conversations.createIndex(ascending("timelineOf", "app_id", "timestamp", "archived"));
        conversations.createIndex(ascending("app_id", "conversWith"));
        ConnectionFactory cf = new ConnectionFactory();
        cf.setUri(rabbitUri);
        rabbit = cf.newConnection("chat21-bench-raw");
    }

    public static void main(String[] args) {
        try {
            serve(args);
        } catch (Throwable e) {
            e.printStackTrace(); // the runner sees the process end
            System.exit(1);
        }
        System.exit(0);
    }

    private static void serve(String[] args) throws Exception {
        RawLimit raw = new RawLimit(args[0], args[1], args[2]);
        Lines.emit(System.out, Map.of("event", "ready"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> command = Lines.read(line);
            switch (Lines.str(command, "cmd")) {
                case "step" -> {
                    raw.stop = false;
                    Thread t = new Thread(() -> {
                        try {
                            Lines.emit(System.out, raw.step(command));
                        } catch (Exception e) {
                            e.printStackTrace();
                            Lines.emit(System.out, Map.of("event", "error", "message", String.valueOf(e)));
                        }
                    }, "step");
                    t.start();
                }
                case "stop" -> raw.stop = true;
                default -> System.err.println("unknown command " + line);
            }
        }
    }

    private Map<String, Object> step(Map<String, Object> command) throws Exception {
        String kind = Lines.str(command, "kind");
        String marker = Lines.str(command, "marker");
        int rate = (int) Lines.num(command, "rate", 100);
        int n = rate * (int) Lines.num(command, "seconds", 10);
        long start = Lines.num(command, "start", System.nanoTime());
        long interval = 1_000_000_000L / rate;
        int batch = (int) Lines.num(command, "batch", 100);
        int workerCount = (int) Lines.num(command, "workers", 2);

        BlockingQueue<Integer> pending = new LinkedBlockingQueue<>();
        LongAdder processed = new LongAdder();
        AtomicInteger errors = new AtomicInteger();
        boolean[] generating = {true};
        List<Thread> workers = new ArrayList<>();
        while (channels.size() < workerCount) {
            Channel channel = rabbit.createChannel();
            channel.confirmSelect();
            channels.add(channel);
        }
        for (int w = 0; w < workerCount; w++) {
            Channel channel = channels.get(w);
            Thread worker = new Thread(() -> {
                List<Integer> taken = new ArrayList<>(batch);
                while (true) {
                    Integer first;
                    try {
                        first = pending.poll(20, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (first == null) {
                        synchronized (generating) {
                            if (!generating[0] && pending.isEmpty()) {
                                return;
                            }
                        }
                        continue;
                    }
                    taken.add(first);
                    pending.drainTo(taken, batch - 1);
                    try {
                        deliver(channel, kind, marker, taken);
                        processed.add(taken.size());
                    } catch (Exception e) {
                        if (errors.getAndIncrement() < 5) {
                            e.printStackTrace();
                        }
                    }
                    taken.clear();
                }
            }, "worker-" + w);
            worker.start();
            workers.add(worker);
        }

        List<Integer> depths = new ArrayList<>();
        long nextSample = start + 1_000_000_000L;
        int generated = 0;
        for (int seq = 0; seq < n && !stop; seq++) {
            long due = start + seq * interval;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            pending.add(seq);
            generated++;
            if (System.nanoTime() >= nextSample) {
                depths.add(pending.size());
                nextSample += 1_000_000_000L;
            }
        }
        synchronized (generating) {
            generating[0] = false;
        }
        for (Thread worker : workers) {
            worker.join();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("event", "result");
        result.put("generated", generated);
        result.put("processed", processed.sum());
        result.put("errors", errors.get());
        result.put("depths", depths);
        return result;
    }

    /** One batch: every copy stored, every conversation upserted, every copy published, one confirm wait. */
    private void deliver(Channel channel, String kind, String marker, List<Integer> seqs) throws Exception {
        List<Document> docs = new ArrayList<>();
        List<WriteModel<Document>> conversationWrites = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int seq : seqs) {
            for (Map<String, Object> copy : copies(kind, marker, seq, now)) {
                keys.add("apps." + app + ".users." + copy.get("timelineOf") + ".messages." + copy.get("conversWith") + ".clientadded");
                bodies.add(Lines.JSON.writeValueAsBytes(copy));
                docs.add(new Document(copy));
                Map<String, Object> conversation = new LinkedHashMap<>(copy);
                conversation.put("key", copy.get("conversWith"));
                conversation.put("is_new", true);
                conversation.put("archived", false);
                conversation.put("last_message_text", copy.get("text"));
                conversationWrites.add(new ReplaceOneModel<>(new Document("timelineOf", copy.get("timelineOf"))
                        .append("conversWith", copy.get("conversWith")).append("app_id", app), new Document(conversation), UPSERT));
            }
        }
        messages.insertMany(docs, UNORDERED_INSERT);
        conversations.bulkWrite(conversationWrites, UNORDERED);
        for (int i = 0; i < keys.size(); i++) {
            channel.basicPublish("amq.topic", keys.get(i), PERSISTENT_JSON, bodies.get(i));
        }
        channel.waitForConfirmsOrDie(10_000);
    }

    /** The copies the service plans (delivery.DeliveryPlanner): sender 100 and recipient 150; or members 150 and the group 100. */
    private List<Map<String, Object>> copies(String kind, String marker, int seq, long now) {
        String sender = Workload.sender(kind, seq);
        String recipient = Workload.recipient(kind, seq);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("message_id", UUID.randomUUID().toString());
        message.put("app_id", app);
        message.put("sender", sender);
        message.put("sender_fullname", sender + " Name");
        message.put("recipient", recipient);
        message.put("recipient_fullname", recipient + " Name");
        message.put("text", Workload.text(marker, seq));
        message.put("type", "text");
        message.put("channel_type", Workload.isGroup(kind) ? "group" : "direct");
        message.put("timestamp", now);
        List<Map<String, Object>> copies = new ArrayList<>();
        if (Workload.isGroup(kind)) {
            int group = seq % Workload.GROUPS;
            for (int m = 0; m < Workload.GROUP_SIZE; m++) {
                copies.add(copy(message, Workload.member(group, m), recipient, 150));
            }
            copies.add(copy(message, recipient, recipient, 100));
        } else {
            copies.add(copy(message, sender, recipient, 100));
            copies.add(copy(message, recipient, sender, 150));
        }
        return copies;
    }

    private static Map<String, Object> copy(Map<String, Object> message, String timelineOf, String conversWith, int status) {
        Map<String, Object> copy = new LinkedHashMap<>(message);
        copy.put("timelineOf", timelineOf);
        copy.put("conversWith", conversWith);
        copy.put("status", status);
        return copy;
    }
}
