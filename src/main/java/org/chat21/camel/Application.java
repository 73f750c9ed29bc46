package org.chat21.camel;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.chat21.camel.infra.Chat21Setup;
import org.chat21.camel.infra.IndexMigration;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.Map;
import java.util.Properties;

/**
 * {@code java -jar chat21-camel.jar}: reads ./application.properties (over the defaults of the same file
 * in the jar) and ./routes/*.yaml. {@code java -jar chat21-camel.jar migrate-indexes} runs the one-shot
 * index migration ({@link IndexMigration}) on the same settings instead, and exits.
 */
public final class Application {
    private static final String PROPERTIES =
            "classpath:application.properties;optional=true,file:application.properties;optional=true";

    private Application() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && IndexMigration.COMMAND.equals(args[0])) {
            System.exit(migrateIndexes(Map.of(), System.out));
        }
        int code;
        try {
            code = create(Map.of()).run(args);
        } catch (Throwable e) {
            LoggerFactory.getLogger(Application.class).error("chat21-camel failed to start: {}", e.toString(), e);
            code = 1;
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
        // a context only to read the settings as the service does (never started)
        CamelContext settings = new DefaultCamelContext();
        settings.getPropertiesComponent().setLocation(PROPERTIES);
        Properties override = new Properties();
        override.putAll(overrides);
        settings.getPropertiesComponent().setOverrideProperties(override);
        return IndexMigration.run(settings.resolvePropertyPlaceholders("{{chat21.mongodb.uri}}"), out);
    }
}
