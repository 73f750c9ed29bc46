package org.chat21.camel.infra;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.MongoServerException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import org.bson.Document;
import org.chat21.camel.infra.Indexes.UniqueKey;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.mongodb.client.model.Indexes.ascending;

/**
 * {@code java -jar chat21-camel.jar migrate-indexes}: makes the unique keys of {@link Indexes} hold on a
 * database the original Chat21 servers used, when the operator chooses (the service itself only warns and
 * does without). First it looks for duplicates of every key not yet unique, and if there are any it
 * refuses, changing nothing, and says which and how to find them. Otherwise it replaces each non-unique
 * index by the unique one (MongoDB allows no two indexes of one key that differ only in uniqueness, so the
 * old one is dropped first) and drops the original's unique {@code conversations (timelineOf, conversWith)},
 * which ignores app_id. A second run finds nothing to do.
 */
public final class IndexMigration {
    public static final String COMMAND = "migrate-indexes";
    /** Exit codes: done (or nothing to do), could not run, refused because of duplicates. */
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int DUPLICATES = 2;
    private static final int SAMPLES = 5;

    private final MongoDatabase db;
    private final PrintStream out;

    IndexMigration(MongoDatabase db, PrintStream out) {
        this.db = db;
        this.out = out;
    }

    /** Runs the command on the database of {@code mongoUri} (the service's {@code chat21.mongodb.uri}); the exit code. */
    public static int run(String mongoUri, PrintStream out) {
        if (mongoUri == null || mongoUri.isBlank()) {
            out.println(COMMAND + ": MONGODB_URI (chat21.mongodb.uri) is not set. Without it the service uses its "
                    + "embedded store, which no original Chat21 server has written: nothing to migrate. Run it as "
                    + "MONGODB_URI=mongodb://host:27017/chatdb java -jar chat21-camel.jar " + COMMAND);
            return FAILED;
        }
        ConnectionString connection = new ConnectionString(mongoUri.trim());
        // the database as the service picks it (StoreSetup): the URI's path, chatdb if none
        String database = connection.getDatabase() == null ? "chatdb" : connection.getDatabase();
        MongoClientSettings settings = MongoClientSettings.builder().applyConnectionString(connection)
                .applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS)).build();
        try (MongoClient client = MongoClients.create(settings)) {
            return new IndexMigration(client.getDatabase(database), out).migrate();
        } catch (MongoException e) {
            out.println(COMMAND + " failed: " + e.getMessage());
            return FAILED;
        }
    }

    int migrate() {
        out.println(COMMAND + ": database " + db.getName());
        List<UniqueKey> toMake = new ArrayList<>();
        boolean duplicates = false;
        for (UniqueKey key : Indexes.WANTED) {
            Document index = Indexes.indexOn(collection(key), key.fields());
            if (index == null || !Indexes.isUnique(index)) {
                toMake.add(key);
                duplicates |= reportDuplicates(key);
            }
        }
        if (duplicates) {
            out.println("refused: nothing was changed. Remove or merge the duplicates above (keep one document per "
                    + "key), then run " + COMMAND + " again. Until then the service runs without these unique keys.");
            return DUPLICATES;
        }
        int changes = 0;
        for (UniqueKey key : toMake) {
            if (!makeUnique(key)) {
                return DUPLICATES;
            }
            changes++;
        }
        Document original = Indexes.indexOn(db.getCollection("conversations"), Indexes.ORIGINAL_CONVERSATION_KEY);
        if (original != null && Indexes.isUnique(original)) {
            db.getCollection("conversations").dropIndex(original.get("key", Document.class));
            out.println("conversations: dropped the original's unique index " + original.get("name")
                    + " (timelineOf, conversWith): it ignores app_id; (timelineOf, conversWith, app_id) is unique instead");
            changes++;
        }
        out.println(changes == 0 ? "nothing to do: every unique key already holds" : "done: " + changes + " change(s)");
        return OK;
    }

    /** Lists a few keys held by more than one document, and how many there are; whether there are any. */
    private boolean reportDuplicates(UniqueKey key) {
        Document group = new Document();
        key.fields().forEach(f -> group.append(f, "$" + f));
        List<Document> samples = new ArrayList<>();
        long keys = 0;
        long surplus = 0;
        for (Document duplicate : collection(key).aggregate(List.of(
                Aggregates.group(group, Accumulators.sum("count", 1)),
                Aggregates.match(Filters.gt("count", 1)))).allowDiskUse(true)) {
            keys++;
            surplus += ((Number) duplicate.get("count")).longValue() - 1;
            if (samples.size() < SAMPLES) {
                samples.add(duplicate);
            }
        }
        if (keys == 0) {
            return false;
        }
        out.println(key.describe() + ": " + keys + " key(s) held by more than one document (" + surplus
                + " surplus document(s)), so it cannot be made unique. For example:");
        samples.forEach(d -> out.println("  " + d.get("_id", Document.class).toJson() + " x " + d.get("count")));
        out.println("  find them all: db." + key.collection() + ".aggregate([{$group: {_id: " + group.toJson()
                + ", count: {$sum: 1}, ids: {$push: \"$_id\"}}}, {$match: {count: {$gt: 1}}}], {allowDiskUse: true})");
        return true;
    }

    /** Replaces a non-unique index of the key by the unique one; false (the plain index restored) if that fails. */
    private boolean makeUnique(UniqueKey key) {
        MongoCollection<Document> collection = collection(key);
        Document old = Indexes.indexOn(collection, key.fields());
        if (old != null) {
            // by its key, not its name: mongo-java-server 1.47 drops a name from every collection that has it
            collection.dropIndex(old.get("key", Document.class));
        }
        try {
            String name = collection.createIndex(ascending(key.fields()), new IndexOptions().unique(true));
            out.println(key.describe() + ": " + (old == null ? "" : "dropped the non-unique index " + old.get("name")
                    + ", ") + "created the unique index " + name);
            return true;
        } catch (MongoServerException e) {
            // a duplicate written since the check (a service or an original server still running)
            collection.createIndex(ascending(key.fields()));
            out.println(key.describe() + ": could not create the unique index (" + e.getMessage() + "); the "
                    + "non-unique one is back. Run " + COMMAND + " again (it lists any duplicates).");
            return false;
        }
    }

    private MongoCollection<Document> collection(UniqueKey key) {
        return db.getCollection(key.collection());
    }
}
