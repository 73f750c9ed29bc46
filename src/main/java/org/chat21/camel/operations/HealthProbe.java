package org.chat21.camel.operations;

import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Map;

/**
 * The container's HEALTHCHECK: {@code java -cp chat21-camel.jar org.chat21.camel.operations.HealthProbe}
 * exits 0 when {@code /observe/health/ready} on the management port answers 200, 1 otherwise. The JRE base
 * image is not guaranteed to carry curl or wget (Temurin images have been dropping them), java it has.
 * Only JDK classes, so it starts in a fraction of a second.
 */
public final class HealthProbe {
    private HealthProbe() {
    }

    public static void main(String[] args) {
        String url = url(System.getenv());
        int status;
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
            http.setConnectTimeout(3000);
            http.setReadTimeout(3000);
            status = http.getResponseCode();
            http.disconnect();
        } catch (Exception e) {
            System.out.println(url + ": " + e);
            System.exit(1);
            return;
        }
        System.out.println(url + ": " + status);
        System.exit(status == 200 ? 0 : 1);
    }

    /** The readiness URL on the management port the service was given (MANAGEMENT_HOST, MANAGEMENT_PORT). */
    static String url(Map<String, String> env) {
        String host = env.getOrDefault("MANAGEMENT_HOST", "");
        // a wildcard bind is reached on loopback
        if (host.isBlank() || host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        return "http://" + host + ":" + env.getOrDefault("MANAGEMENT_PORT", "9876") + "/observe/health/ready";
    }
}
