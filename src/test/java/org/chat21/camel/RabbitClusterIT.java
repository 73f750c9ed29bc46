package org.chat21.camel;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local cluster of {@code deploy/rabbitmq/cluster.sh}, driven by {@link RabbitCluster}, does what a
 * failover test needs: a quorum queue keeps every confirmed message when its leader is killed, takes confirmed
 * publishes again within seconds through a surviving node, and the killed node rejoins with its data.
 */
@RequiresRabbitMQ
class RabbitClusterIT {
    private static final String QUEUE = "cluster-it";

    @Test
    void aQuorumQueueKeepsConfirmedMessagesAcrossItsLeadersKill() throws Exception {
        long starting = System.nanoTime();
        try (RabbitCluster cluster = new RabbitCluster()) {
            System.out.println("cluster started in " + (System.nanoTime() - starting) / 1_000_000 + " ms");
            try (Connection connection = connect(cluster.uri(1)); Channel channel = connection.createChannel()) {
                channel.queueDeclare(QUEUE, true, false, false, Map.of("x-queue-type", "quorum"));
            }
            publishConfirmed(cluster.uri(2), 0, 100);

            int leader = cluster.leaderOf(QUEUE);
            int survivor = leader == 1 ? 2 : 1;
            cluster.kill(leader);
            long killed = System.nanoTime();
            publishConfirmed(cluster.uri(survivor), 100, 100);
            long ms = (System.nanoTime() - killed) / 1_000_000;
            System.out.println("100 publishes confirmed through node " + survivor + " " + ms + " ms after node " + leader
                    + ", the leader, was killed; the new leader is node " + cluster.leaderOf(QUEUE));
            assertTrue(ms < 10_000, "confirmed " + ms + " ms after the leader's kill");

            long restarting = System.nanoTime();
            cluster.start(leader);
            System.out.println("node " + leader + " back in " + (System.nanoTime() - restarting) / 1_000_000 + " ms");
            List<String> expected = IntStream.range(0, 200).mapToObj(i -> "m" + i).sorted().collect(Collectors.toList());
            assertEquals(expected, consumeAll(cluster.uri(leader)), "every confirmed message, once");
        }
    }

    private static Connection connect(String uri) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setConnectionTimeout(5000);
        return factory.newConnection("rabbit-cluster-it");
    }

    /**
     * Persistent messages m{from}..m{from+count-1}, one confirm each. A queue between leaders refuses a publish
     * (a nack), and on RabbitMQ 3.10 a channel whose first publish to the queue came then goes on refusing
     * every publish (seen here for a minute), while a new channel is taken at once: so a refused message is
     * sent again on a new channel, as a publisher that wants it stored must.
     */
    private static void publishConfirmed(String uri, int from, int count) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        try (Connection connection = connect(uri)) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            for (int i = from; i < from + count; i++) {
                byte[] body = ("m" + i).getBytes(StandardCharsets.UTF_8);
                while (true) {
                    channel.basicPublish("", QUEUE, MessageProperties.PERSISTENT_BASIC, body);
                    if (channel.waitForConfirms(5000)) {
                        break;
                    }
                    assertTrue(System.nanoTime() < deadline, "m" + i + " still refused after 15 s");
                    Thread.sleep(100);
                    channel.close();
                    channel = connection.createChannel();
                    channel.confirmSelect();
                }
            }
        }
    }

    /** Every message in the queue, acknowledged, in body order; waits briefly for the queue to answer. */
    private static List<String> consumeAll(String uri) throws Exception {
        List<String> bodies = new ArrayList<>();
        long deadline = System.nanoTime() + 15_000_000_000L;
        try (Connection connection = connect(uri); Channel channel = connection.createChannel()) {
            while (bodies.size() < 200 && System.nanoTime() < deadline) {
                GetResponse response = channel.basicGet(QUEUE, true);
                if (response == null) {
                    Thread.sleep(100);
                } else {
                    bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
                }
            }
            // nothing more: a duplicate would show here
            GetResponse extra = channel.basicGet(QUEUE, true);
            if (extra != null) {
                bodies.add(new String(extra.getBody(), StandardCharsets.UTF_8));
            }
        }
        return bodies.stream().sorted().toList();
    }
}
