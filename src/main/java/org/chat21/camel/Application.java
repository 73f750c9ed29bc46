package org.chat21.camel;

import org.apache.camel.main.Main;
import org.chat21.camel.infra.Chat21Setup;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * {@code java -jar chat21-camel.jar}: reads ./application.properties (over the defaults of the same file
 * in the jar) and ./routes/*.yaml.
 */
public final class Application {
    private Application() {
    }

    public static void main(String[] args) {
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
        main.setPropertyPlaceholderLocations(
                "classpath:application.properties;optional=true,file:application.properties;optional=true");
        Chat21Setup.addTo(main.configure());
        overrides.forEach(main::addOverrideProperty);
        return main;
    }
}
