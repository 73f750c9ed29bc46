package org.chat21.camel;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.chat21.camel.bridges.KameletFailures;
import org.chat21.camel.common.StartupFailure;
import org.chat21.camel.common.Wiring;
import org.chat21.camel.infra.Chat21Setup;
import org.chat21.camel.infra.IndexMigration;
import org.chat21.camel.infra.QueueMigration;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * {@code java -jar chat21-camel.jar}: reads application.properties (over the defaults of the same file
 * in the jar) and routes/*.yaml of {@code CHAT21_HOME} (default: the working directory). {@code java -jar chat21-camel.jar migrate-indexes} runs the one-shot
 * index migration ({@link IndexMigration}) on the same settings instead, and exits; {@code migrate-queues} gives the
 * observer's queues this version's type ({@link QueueMigration}).
 */
public final class Application {
    /** CHAT21_HOME: where routes/ and application.properties are (default: the working directory). */
    private static final String HOME = System.getenv().getOrDefault("CHAT21_HOME", ".");
    private static final String PROPERTIES =
            "classpath:application.properties;optional=true,file:" + HOME + "/application.properties;optional=true";

    private Application() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && IndexMigration.COMMAND.equals(args[0])) {
            System.exit(migrateIndexes(Map.of(), System.out));
        }
        if (args.length > 0 && QueueMigration.COMMAND.equals(args[0])) {
            System.exit(migrateQueues(Map.of(), System.out));
        }
        int code;
        try {
            code = create(Map.of()).run(args);
        } catch (Throwable e) {
            code = 1;
            Throwable missing = e;
            while (missing != null && !(missing instanceof java.nio.file.NoSuchFileException)
                    && !(missing instanceof StartupFailure)) {
                missing = missing.getCause();
            }
            String kamelet = KameletFailures.explain(e);
            if (kamelet != null) {
                // a bridge file's kamelet: endpoint without a required property (or naming no Kamelet): one line
                LoggerFactory.getLogger(Application.class).error("chat21-camel failed to start: {}", kamelet);
            } else if (missing instanceof StartupFailure) {
                // a configuration the operator fixes: what to do, in one line
                LoggerFactory.getLogger(Application.class).error("chat21-camel failed to start: {}", missing.getMessage());
            } else if (missing != null) {
                // the routes' directory is not where the pattern says: the usual mistake, told plainly
                LoggerFactory.getLogger(Application.class).error("chat21-camel failed to start: {}",
                        Wiring.noRoutes(missing.getMessage() + " does not exist under "
                                + java.nio.file.Path.of("").toAbsolutePath()));
            } else {
                LoggerFactory.getLogger(Application.class).error("chat21-camel failed to start: {}", e.toString(), e);
            }
        }
        // the embedded store and broker run non-daemon threads: leave explicitly
        System.exit(code);
    }

    /** A configured, not yet started service; {@code overrides} win over the properties file and the environment. */
    public static Main create(Map<String, String> overrides) {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(PROPERTIES);
        Chat21Setup.addTo(main.configure());
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    /** The migrate-indexes command on the service's MongoDB URI (same files, environment and overrides); its exit code. */
    public static int migrateIndexes(Map<String, String> overrides, PrintStream out) {
        return IndexMigration.run(settings(overrides).resolvePropertyPlaceholders("{{chat21.mongodb.uri}}"), out);
    }

    /** The migrate-queues command on the service's broker and observer settings; its exit code. */
    public static int migrateQueues(Map<String, String> overrides, PrintStream out) {
        CamelContext settings = settings(overrides);
        String exchange = settings.resolvePropertyPlaceholders("{{chat21.observer.exchange}}");
        String prefix = settings.resolvePropertyPlaceholders("{{chat21.observer.queue-prefix}}");
        // the observer's queues as routes/observer.yaml names and binds them
        List<QueueMigration.Bound> queues = Stream.of("messages", "receipts", "conversations", "archives", "presence")
                .map(kind -> new QueueMigration.Bound(prefix + "." + kind, exchange,
                        settings.resolvePropertyPlaceholders("{{chat21.observer.binding." + kind + "}}")))
                .toList();
        return QueueMigration.run(settings.resolvePropertyPlaceholders("{{chat21.rabbitmq.uri}}"),
                settings.resolvePropertyPlaceholders("{{chat21.rabbitmq.addresses}}"),
                settings.resolvePropertyPlaceholders("{{chat21.rabbitmq.queue-type}}"), queues, out);
    }

    /** A context only to read the settings as the service does (never started). */
    private static CamelContext settings(Map<String, String> overrides) {
        CamelContext settings = new DefaultCamelContext();
        settings.getPropertiesComponent().setLocation(PROPERTIES);
        Properties override = new Properties();
        override.putAll(overrides);
        settings.getPropertiesComponent().setOverrideProperties(override);
        return settings;
    }
}
