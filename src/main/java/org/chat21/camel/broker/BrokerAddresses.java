package org.chat21.camel.broker;

import org.chat21.camel.common.StartupFailure;
import org.springframework.amqp.rabbit.connection.AbstractConnectionFactory.AddressShuffleMode;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where RabbitMQ is: {@code RABBITMQ_URI} (one node, with the login, virtual host and TLS) and, for a cluster,
 * {@code RABBITMQ_ADDRESSES} ({@code host:port} of each node). The client connects to the nodes in an order
 * shuffled per connection, so that instances spread over the nodes, and to another when its node goes.
 * <p>
 * What cannot be honoured stops the start-up with one line: the AMQP client reads a URI it does not understand
 * ({@code amqp://u:p@host1:5681,host2:5682}) as no host at all and would connect to {@code localhost:5672} as
 * guest.
 */
public record BrokerAddresses(URI uri, List<String> nodes) {
    private static final Pattern NODE = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(?::(\\d{1,5}))?");

    /**
     * @param uri       an {@code amqp://} or {@code amqps://} URI naming one node
     * @param addresses comma-separated {@code host[:port]}; empty = the URI's node alone
     */
    public static BrokerAddresses parse(String uri, String addresses) {
        String text = uri.trim();
        if (text.contains(",")) {
            throw new StartupFailure("RABBITMQ_URI names one node (" + redact(text) + " lists several): keep "
                    + "the login in RABBITMQ_URI and list the nodes in RABBITMQ_ADDRESSES=host1:5672,host2:5672,...");
        }
        URI parsed;
        try {
            parsed = new URI(text);
        } catch (URISyntaxException e) {
            throw new StartupFailure("RABBITMQ_URI is not a URI (" + e.getReason() + "): amqp://user:password@host:5672/vhost");
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase();
        if (!scheme.equals("amqp") && !scheme.equals("amqps")) {
            throw new StartupFailure("RABBITMQ_URI must start with amqp:// or amqps://, not '" + redact(text) + "'");
        }
        if (parsed.getHost() == null) {
            throw new StartupFailure("RABBITMQ_URI " + redact(text) + " has no host the AMQP client can read "
                    + "(a user or password with reserved characters must be percent-encoded): amqp://user:password@host:5672/vhost");
        }
        List<String> nodes = new ArrayList<>();
        int defaultPort = scheme.equals("amqps") ? 5671 : 5672;
        for (String entry : addresses.split(",")) {
            String node = entry.trim();
            if (node.isEmpty()) {
                continue;
            }
            Matcher m = NODE.matcher(node);
            int port = m.matches() && m.group(2) != null ? Integer.parseInt(m.group(2)) : defaultPort;
            if (!m.matches() || port < 1 || port > 65535) {
                throw new StartupFailure("RABBITMQ_ADDRESSES: '" + redact(node) + "' is not host:port (the "
                        + "login, virtual host and TLS stay in RABBITMQ_URI): host1:5672,host2:5672,...");
            }
            nodes.add(m.group(1) + ":" + port);
        }
        return new BrokerAddresses(parsed, List.copyOf(nodes));
    }

    /** The URI's login, virtual host and TLS; the nodes, shuffled for each connection, when there is a list. */
    public void applyTo(CachingConnectionFactory connections) {
        if (!nodes.isEmpty()) {
            connections.setAddresses(String.join(",", nodes));
            connections.setAddressShuffleMode(AddressShuffleMode.RANDOM);
        }
    }

    /** For the start-up line. */
    public String describe() {
        String one = redact(uri.toString());
        return nodes.isEmpty() ? one : one + " (nodes " + String.join(", ", nodes) + ")";
    }

    /** A URI with its login hidden, for logs and start-up errors. */
    public static String redact(String uri) {
        return uri.replaceAll("//[^/@]*@", "//***@");
    }
}
