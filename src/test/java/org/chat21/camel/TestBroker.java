package org.chat21.camel;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;

/**
 * The machine's RabbitMQ, which the integration tests ({@code *IT}) need, checked once per JVM within about
 * two seconds: without it every test that needs it fails at once with one line saying what is missing and
 * the command that sets it up, instead of each waiting for 503s and refused connections. Tests that start
 * a broker of their own (embedded mode, StartupIT) do not call this.
 */
final class TestBroker {
    static final int TIMEOUT_MS = 2000;
    static final String SETUP = "`deploy/rabbitmq/setup-local.sh` (configures MQTT, Web-MQTT and OAuth2 for "
            + "Chat21 clients, and starts RabbitMQ with `rabbitmq-server -detached` when it is down)";
    private static String amqpProblem;
    private static boolean amqpChecked;
    private static String webMqttProblem;
    private static boolean webMqttChecked;

    private TestBroker() {
    }

    /** Fails with the one line unless the AMQP broker of TEST_RABBITMQ_URI takes a login. */
    static synchronized void require() {
        if (!amqpChecked) {
            amqpProblem = amqpProblem(ServiceHarness.RABBIT, TIMEOUT_MS);
            amqpChecked = true;
        }
        if (amqpProblem != null) {
            throw new MissingBroker(amqpProblem);
        }
    }

    /** Fails with the one line unless RabbitMQ is up and its Web-MQTT listener takes a Chat21 token login. */
    static synchronized void requireWebMqtt(String wsUri) {
        require();
        if (!webMqttChecked) {
            webMqttProblem = webMqttProblem(wsUri, TIMEOUT_MS);
            webMqttChecked = true;
        }
        if (webMqttProblem != null) {
            throw new MissingBroker(webMqttProblem);
        }
    }

    /** Null when an AMQP login to {@code uri} succeeds within {@code timeoutMs}, else the line to print. */
    static String amqpProblem(String uri, int timeoutMs) {
        ConnectionFactory cf = new ConnectionFactory();
        try {
            cf.setUri(uri);
        } catch (Exception e) {
            return "TEST_RABBITMQ_URI is not an AMQP URI (" + e.getMessage() + "): set it to amqp://user:pass@host:port";
        }
        cf.setConnectionTimeout(timeoutMs);
        cf.setHandshakeTimeout(timeoutMs);
        cf.setShutdownTimeout(0);
        cf.setAutomaticRecoveryEnabled(false);
        try (Connection ignored = cf.newConnection("chat21-camel-test-check")) {
            return null;
        } catch (Exception e) {
            return "RabbitMQ is not reachable at " + uri.replaceAll("//[^/@]*@", "//") + " (" + reason(e) + "): the "
                    + "integration tests need the machine's RabbitMQ; set it up with " + SETUP
                    + ", or point TEST_RABBITMQ_URI at one";
        }
    }

    /** Null when a Chat21 client's login over Web-MQTT at {@code wsUri} succeeds, else the line to print. */
    static String webMqttProblem(String wsUri, int timeoutMs) {
        URI uri = URI.create(wsUri);
        int port = uri.getPort() > 0 ? uri.getPort() : 15675;
        // a refused port answers at once; the MQTT client would take its own time to say so
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), timeoutMs);
        } catch (Exception e) {
            return "RabbitMQ's Web-MQTT listener is not reachable at " + uri.getHost() + ":" + port + " (" + reason(e)
                    + "): the MQTT client tests need RabbitMQ configured for Chat21 clients; run " + SETUP
                    + ", or set TEST_WEB_MQTT_URI";
        }
        String user = "check" + UUID.randomUUID().toString().substring(0, 6);
        try {
            MqttAsyncClient mqtt = new MqttAsyncClient(wsUri, user, new MemoryPersistence());
            try {
                MqttConnectOptions options = new MqttConnectOptions();
                options.setUserName("JWT");
                options.setPassword(TestTokens.mqttUser(user, "appcheck").toCharArray());
                options.setCleanSession(true);
                options.setConnectionTimeout(Math.max(1, timeoutMs / 1000));
                mqtt.connect(options).waitForCompletion(timeoutMs);
                mqtt.disconnect().waitForCompletion(timeoutMs);
            } finally {
                mqtt.close(true);
            }
            return null;
        } catch (Exception e) {
            return "RabbitMQ's Web-MQTT at " + wsUri + " refused a Chat21 token login (" + reason(e) + "): the "
                    + "OAuth2 backend or the JWT key (" + TestTokens.KEY + ") is not configured; run " + SETUP;
        }
    }

    private static String reason(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.replaceAll("\\s+", " ");
    }

    /** The Web-MQTT address the MQTT client tests use. */
    static final String WEB_MQTT = System.getenv().getOrDefault("TEST_WEB_MQTT_URI", "ws://127.0.0.1:15675/ws");

    /** {@link RequiresRabbitMQ}: the check before anything of the class runs. */
    static final class Check implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            boolean webMqtt = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), RequiresRabbitMQ.class)
                    .map(RequiresRabbitMQ::webMqtt).orElse(false);
            if (webMqtt) {
                requireWebMqtt(WEB_MQTT);
            } else {
                require();
            }
        }
    }

    /** The one line, without a stack trace (it says everything). */
    static final class MissingBroker extends RuntimeException {
        MissingBroker(String line) {
            super(line, null, false, false);
        }
    }
}
