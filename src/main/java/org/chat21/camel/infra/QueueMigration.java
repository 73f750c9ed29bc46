package org.chat21.camel.infra;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import org.chat21.camel.broker.BrokerAddresses;
import org.chat21.camel.broker.BrokerRefusal;
import org.chat21.camel.broker.DurableQueues;
import org.chat21.camel.common.StartupFailure;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.LongPredicate;

/**
 * {@code java -jar chat21-camel.jar migrate-queues}: gives the observer's queues the type this version declares
 * ({@code chat21.rabbitmq.queue-type}) while the instances run, with no moment where a client publication is
 * routed nowhere. RabbitMQ cannot change a queue's type, and the observer's queues receive publications even
 * while every instance is stopped, so for each queue Q of the other type:
 * <ol>
 *   <li>{@code Q.moving} (the new type) is declared and bound like Q, then Q is unbound: what clients publish
 *   from then on waits in {@code Q.moving}, in order;</li>
 *   <li>the instances drain Q; once it has been empty for a while it is deleted and declared again at once with
 *   the new type, unbound (Spring's consumers come back to it by themselves);</li>
 *   <li>what waits in {@code Q.moving} is moved into Q (through a temporary fanout exchange bound to Q alone, so
 *   each message keeps the routing key the observer reads its sender and conversation from); once the consumers
 *   have worked that off, Q is bound, then {@code Q.moving} unbound and the rest of it moved; {@code Q.moving} is
 *   deleted.</li>
 * </ol>
 * Each binding is made before the one it replaces is removed, so for a few milliseconds, twice, a publication
 * goes to both queues. The moved messages that may be such copies (those {@code Q.moving} held when Q was
 * unbound, and those it took after Q was bound) carry {@link #COPY_SINCE}; the observer takes a client message so
 * marked for the one of the same bytes handled since then (observer.ClientPublications). Receipts, conversation
 * updates, archives and presence are applied twice, which changes nothing. Run it again after an interruption:
 * it takes up where it was, marking everything left in {@code Q.moving} (the moment of the copies is unknown).
 * A queue with no consumer is left as it is: without running instances it would never drain.
 */
public final class QueueMigration {
    public static final String COMMAND = "migrate-queues";
    /** Exit codes: done (or nothing to do), could not run or not done. */
    public static final int OK = 0;
    public static final int FAILED = 1;
    /** on a moved message that may be a copy: epoch ms since when its original may have been handled */
    public static final String COPY_SINCE = "x-chat21-copy-since";
    /** beside it: epoch ms when it was moved (the observer looks for its original until a while after) */
    public static final String MOVED_AT = "x-chat21-moved-at";
    static final String MOVING = ".moving";

    /** One queue and what it is bound to. */
    public record Bound(String queue, String exchange, String bindingKey) {
    }

    private final Connection connection;
    private final String type;
    private final PrintStream out;
    private final Clock clock;
    /** how long a queue must stay empty before it is deleted: what its consumers hold unacknowledged is handled */
    private final long quietMs;
    private final long drainTimeoutMs;
    /** messages moved with {@link #COPY_SINCE}, for the report */
    private long marked;
    /** when each step ended, for the report */
    private final StringBuilder steps = new StringBuilder();
    private long stepStart;

    QueueMigration(Connection connection, String type, PrintStream out, Clock clock, long quietMs, long drainTimeoutMs) {
        this.connection = connection;
        this.type = type;
        this.out = out;
        this.clock = clock;
        this.quietMs = quietMs;
        this.drainTimeoutMs = drainTimeoutMs;
    }

    /**
     * Runs the command on the service's broker settings; the exit code.
     *
     * @param uri       chat21.rabbitmq.uri (empty: the embedded broker, nothing to move)
     * @param addresses chat21.rabbitmq.addresses
     * @param type      chat21.rabbitmq.queue-type
     */
    public static int run(String uri, String addresses, String type, List<Bound> queues, PrintStream out) {
        if (uri == null || uri.isBlank()) {
            out.println(COMMAND + ": RABBITMQ_URI (chat21.rabbitmq.uri) is not set. Without it the service uses its "
                    + "embedded broker, whose queues have one type: nothing to move. Run it as "
                    + "RABBITMQ_URI=amqp://user:password@host:5672 java -jar chat21-camel.jar " + COMMAND);
            return FAILED;
        }
        String wanted;
        BrokerAddresses broker;
        try {
            wanted = new DurableQueues(type, true).declaredType();
            broker = BrokerAddresses.parse(uri, addresses == null ? "" : addresses);
        } catch (StartupFailure e) {
            out.println(COMMAND + ": " + e.getMessage());
            return FAILED;
        }
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(broker.uri());
            try (Connection connection = broker.nodes().isEmpty() ? factory.newConnection(COMMAND)
                    : factory.newConnection(Address.parseAddresses(String.join(",", broker.nodes())), COMMAND)) {
                QueueMigration migration = new QueueMigration(connection, wanted, out, Clock.systemUTC(), 2_000, 300_000);
                int code = OK;
                for (Bound queue : queues) {
                    code = Math.max(code, migration.move(queue));
                }
                return code;
            }
        } catch (Exception e) {
            BrokerRefusal refusal = BrokerRefusal.of(e);
            out.println(COMMAND + " failed on " + broker.describe() + ": " + (refusal != null ? refusal.text()
                    : e.getCause() != null ? e.getCause().toString() : e.toString()));
            return FAILED;
        }
    }

    /** Moves one queue to this version's type if it has the other one; the exit code. */
    int move(Bound q) throws IOException, InterruptedException {
        String moving = q.queue() + MOVING;
        boolean resuming = exists(moving);
        Integer consumers = consumers(q.queue());
        if (!resuming) {
            if (consumers == null) {
                out.println(q.queue() + ": not there (the service declares it with its type)");
                return OK;
            }
            if (hasType(q.queue())) {
                out.println(q.queue() + ": already " + type);
                return OK;
            }
            if (consumers == 0) {
                out.println(q.queue() + ": of the other type, and no instance consumes it: left as it is. Run "
                        + COMMAND + " while the service runs; it drains the queue before it is replaced");
                return FAILED;
            }
        }
        long started = clock.millis();
        marked = 0;
        steps.setLength(0);
        stepStart = started;
        out.println(q.queue() + ": moving to a " + type + " queue" + (resuming ? " (taking up an earlier run)" : ""));
        declare(moving);
        with(channel -> channel.queueBind(moving, q.exchange(), q.bindingKey()));
        long firstCopies = clock.millis();
        if (consumers != null && !hasType(q.queue())) {
            with(channel -> channel.queueUnbind(q.queue(), q.exchange(), q.bindingKey()));
            // what it held until here may also have gone to the queue being drained
            long held = resuming ? Long.MAX_VALUE : countSettled(moving);
            step("unbound");
            if (!drainAndReplace(q.queue())) {
                // the drain never ended: back as it was, the queue bound again and what waited moved into it
                out.println(q.queue() + ": not drained within " + drainTimeoutMs / 1000 + " s (are the instances "
                        + "running and healthy?): left as it was");
                moveBack(q, moving, i -> i < held, resuming ? 0 : firstCopies);
                return FAILED;
            }
            step("drained and replaced");
            return finish(q, moving, i -> i < held, resuming ? 0 : firstCopies, started);
        }
        // an earlier run stopped after the queue was replaced (or deleted): everything left may be a copy
        declare(q.queue());
        return finish(q, moving, i -> true, 0, started);
    }

    /**
     * What the queue holds a moment from now: a publication the exchange routed just before an unbind may still be
     * on its way in (a quorum queue counts it once its log applied it). The few that come after it are counted too,
     * and marked for nothing: each looks for an original once, finds none, and is a new message.
     */
    private long countSettled(String queue) throws IOException, InterruptedException {
        Thread.sleep(Math.min(quietMs, 500));
        return count(queue);
    }

    /** Q replaced by an empty queue of the new type; false if it never drained. */
    private boolean drainAndReplace(String queue) throws IOException, InterruptedException {
        long deadline = clock.millis() + drainTimeoutMs;
        while (quietBy(queue, deadline)) {
            try {
                // if-empty where RabbitMQ allows it (a classic queue: moving to quorum); a quorum queue refuses
                // the flag, and being unbound and empty for quietMs it takes nothing new but a requeue
                boolean classic = type.equals("quorum");
                int lost = (Integer) with(channel -> {
                    int left = channel.queueDelete(queue, false, classic).getMessageCount();
                    channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", type));
                    return left;
                });
                if (lost > 0) {
                    out.println(queue + ": " + lost + " publications were given back to it in the instant it was "
                            + "deleted, and are lost");
                }
                return true;
            } catch (IOException e) {
                BrokerRefusal refusal = BrokerRefusal.of(e);
                if (refusal == null || !refusal.preconditionFailed()) {
                    throw e;
                }
                // not empty after all: quiet again first
            }
        }
        return false;
    }

    /**
     * Whether the queue, unbound, has been empty for {@code quietMs} before the deadline: its count leaves out what
     * the consumers hold unacknowledged (their prefetch), which they handle meanwhile.
     */
    private boolean quietBy(String queue, long deadline) throws IOException, InterruptedException {
        long emptySince = -1;
        while (clock.millis() < deadline) {
            long now = clock.millis();
            if (count(queue) > 0) {
                emptySince = -1;
            } else if (emptySince < 0) {
                emptySince = now;
            } else if (now - emptySince >= quietMs) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** Moves what waits, binds Q, unbinds Q.moving, moves the rest, deletes Q.moving; the exit code. */
    private int finish(Bound q, String moving, LongPredicate copyBefore, long copiesSince, long started)
            throws IOException, InterruptedException {
        long moved = moveAll(moving, q.queue(), i -> copyBefore.test(i) ? Long.valueOf(copiesSince) : null, 0);
        step("moved");
        // the consumers work off what was moved before Q is bound: the originals of the copies to come must not
        // wait behind it, or their copies (moved soon after) would find no record within the observer's
        // copy-settle time
        quietBy(q.queue(), clock.millis() + drainTimeoutMs);
        step("handled by the consumers");
        long fromHere = moved + count(moving);
        long boundAt = clock.millis();
        rebind(q, q.queue(), moving);
        step("bound");
        // the originals of the last copies were routed to Q first: let the consumers take them before their copies
        waitEmpty(q.queue(), 10_000);
        step("emptied by the consumers");
        moved = moveAll(moving, q.queue(), i -> copyBefore.test(i) ? Long.valueOf(copiesSince)
                : i >= fromHere ? Long.valueOf(boundAt) : null, moved);
        // empty and unbound now (a quorum queue refuses an if-empty delete)
        with(channel -> channel.queueDelete(moving));
        long deadline = clock.millis() + 30_000;
        Integer consumers = consumers(q.queue());
        while ((consumers == null || consumers == 0) && clock.millis() < deadline) {
            Thread.sleep(200);
            consumers = consumers(q.queue());
        }
        out.println(q.queue() + ": " + type + " now; " + moved + " publications moved through it (" + marked
                + " marked as possible copies), " + (consumers == null ? 0 : consumers) + " consumers, "
                + (clock.millis() - started) + " ms (" + steps + ")");
        if (consumers == null || consumers == 0) {
            out.println(q.queue() + ": no instance consumes it again within 30 s: restart the instances");
            return FAILED;
        }
        return OK;
    }

    private void step(String what) {
        long now = clock.millis();
        steps.append(steps.isEmpty() ? "" : ", ").append(what).append(' ').append(now - stepStart).append(" ms");
        stepStart = now;
    }

    /** The drain given up: Q bound again, Q.moving unbound, its messages moved into Q. */
    private void moveBack(Bound q, String moving, LongPredicate copyBefore, long copiesSince) throws IOException, InterruptedException {
        long fromHere = count(moving);
        long boundAt = clock.millis();
        rebind(q, q.queue(), moving);
        moveAll(moving, q.queue(), i -> copyBefore.test(i) ? Long.valueOf(copiesSince)
                : i >= fromHere ? Long.valueOf(boundAt) : null, 0);
        with(channel -> channel.queueDelete(moving));
    }

    /** {@code to} bound like the queue, then {@code from} unbound: never a moment with neither. */
    private void rebind(Bound q, String to, String from) throws IOException, InterruptedException {
        with(channel -> {
            channel.queueBind(to, q.exchange(), q.bindingKey());
            return channel.queueUnbind(from, q.exchange(), q.bindingKey());
        });
    }

    private interface Work {
        Object on(Channel channel) throws IOException, InterruptedException;
    }

    /** On a channel of its own: a refusal closes the channel it came on. */
    private Object with(Work work) throws IOException, InterruptedException {
        Channel channel = connection.createChannel();
        try {
            return work.on(channel);
        } finally {
            if (channel.isOpen()) {
                try {
                    channel.close();
                } catch (IOException | TimeoutException | com.rabbitmq.client.AlreadyClosedException ignored) {
                    // closed meanwhile: nothing to give back
                }
            }
        }
    }

    /** A marker for the message at a position of the queue moved, or none. */
    interface Marks {
        Long copySince(long position);
    }

    /**
     * Moves what {@code from} holds now into {@code to}, in order, each with its routing key and properties (and
     * {@link #COPY_SINCE} where {@code marks} says), confirmed by the broker before it is acknowledged off
     * {@code from}: a kill meanwhile leaves a message in both, a copy the marker covers on the next run.
     *
     * @param first the position of the first message taken
     * @return the position after the last one moved
     */
    private long moveAll(String from, String to, Marks marks, long first) throws IOException, InterruptedException {
        String exchange = to + MOVING + "-in";
        long[] position = {first};
        with(channel -> {
            channel.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT, false, true, null);
            channel.queueBind(to, exchange, "");
            channel.confirmSelect();
            GetResponse got;
            long lastTag = -1;
            do {
                got = channel.basicGet(from, false);
                if (got != null) {
                    AMQP.BasicProperties props = got.getProps();
                    Long since = marks.copySince(position[0]++);
                    if (since != null) {
                        Map<String, Object> headers = props.getHeaders() == null ? new HashMap<>() : new HashMap<>(props.getHeaders());
                        headers.put(COPY_SINCE, since);
                        headers.put(MOVED_AT, clock.millis());
                        marked++;
                        props = props.builder().headers(headers).build();
                    }
                    channel.basicPublish(exchange, got.getEnvelope().getRoutingKey(), props, got.getBody());
                    lastTag = got.getEnvelope().getDeliveryTag();
                }
                if (lastTag >= 0 && (got == null || position[0] % 200 == 0)) {
                    try {
                        channel.waitForConfirmsOrDie(10_000);
                    } catch (TimeoutException e) {
                        throw new IOException("the broker did not confirm the moved messages within 10 s", e);
                    }
                    channel.basicAck(lastTag, true);
                    lastTag = -1;
                }
            } while (got != null);
            return channel.exchangeDelete(exchange);
        });
        return position[0];
    }

    private void waitEmpty(String queue, long timeoutMs) throws IOException, InterruptedException {
        long deadline = clock.millis() + timeoutMs;
        while (count(queue) > 0 && clock.millis() < deadline) {
            Thread.sleep(50);
        }
    }

    private void declare(String queue) throws IOException, InterruptedException {
        with(channel -> channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", type)));
    }

    /** Whether the queue (which exists) has this version's type: a declare with it is refused otherwise. */
    private boolean hasType(String queue) throws IOException, InterruptedException {
        try {
            declare(queue);
            return true;
        } catch (IOException e) {
            BrokerRefusal refusal = BrokerRefusal.of(e);
            if (refusal != null && refusal.preconditionFailed()) {
                return false;
            }
            throw e;
        }
    }

    private boolean exists(String queue) throws IOException, InterruptedException {
        return consumers(queue) != null;
    }

    /** The queue's consumers, null if it does not exist. */
    private Integer consumers(String queue) throws IOException, InterruptedException {
        try {
            return (Integer) with(channel -> channel.queueDeclarePassive(queue).getConsumerCount());
        } catch (IOException e) {
            BrokerRefusal refusal = BrokerRefusal.of(e);
            if (refusal != null && refusal.notFound()) {
                return null;
            }
            throw e;
        }
    }

    private long count(String queue) throws IOException, InterruptedException {
        return (Integer) with(channel -> channel.queueDeclarePassive(queue).getMessageCount());
    }
}
