package org.chat21.camel.broker;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import org.springframework.amqp.AmqpTimeoutException;
import org.springframework.amqp.rabbit.connection.ChannelProxy;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitOperations;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Whether the broker answers now, bound as {@code brokerCheck}: changes that must be announced call it first,
 * so that they get 503 up front rather than being stored and never told; the outage watch and readiness ask
 * it too.
 *
 * <p>An open connection is not enough: a broker that stopped answering (a paused process, a full disk, a
 * network that drops packets) keeps its connections open, and a request waiting for it would hang. So the
 * check is a round trip (a passive declare of {@code amq.topic}) that must come back within
 * {@code answerTimeoutMs}. One round trip at a time, on a thread of its own: while the broker is silent the
 * round trip in flight is shared by every caller, each waiting at most until it is {@code answerTimeoutMs}
 * old, so a silent broker costs one blocked thread, not one per request. A round trip that succeeded in the
 * last {@code FRESH_NANOS} answers for the next callers.
 *
 * <p>It is also the one way the service publishes with confirms ({@link #publishConfirmed}): a publisher
 * facing a silent broker fails within about the answer timeout instead of waiting the confirm timeout.
 *
 * <p>It carries the two broker timings every feature that publishes or consumes shares, so that none reads the
 * broker's settings itself: how long a publish waits for its confirms ({@link #confirmTimeoutMs}), and how often
 * a consumer retries a lost broker ({@link #recoveryIntervalMs}).
 */
public class BrokerCheck {
    private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How often publishers waiting for confirms ask whether the broker still answers. */
    private static final long CONFIRM_SLICE_MS = 100;

    private final RabbitTemplate template;
    private final long answerTimeoutNanos;
    private final long confirmTimeoutMs;
    private final long recoveryIntervalMs;
    private final ExecutorService prober;
    private final Object lock = new Object();
    private CompletableFuture<Void> roundTrip;
    private long startedAt;
    /** when a round trip last succeeded (nanoTime); none yet: long enough ago not to count */
    private volatile long answeredAt;

    /**
     * @param answerTimeoutMs    how long the broker may take to answer a round trip ({@code chat21.rabbitmq.answer-timeout-ms})
     * @param confirmTimeoutMs   how long a publish waits for its confirms ({@code chat21.confirm-timeout-ms})
     * @param recoveryIntervalMs how often a consumer retries a lost broker ({@code chat21.rabbitmq.recovery-interval-ms})
     */
    public BrokerCheck(ConnectionFactory connections, long answerTimeoutMs, long confirmTimeoutMs, long recoveryIntervalMs) {
        this.template = new RabbitTemplate(connections);
        this.answerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(answerTimeoutMs);
        this.confirmTimeoutMs = confirmTimeoutMs;
        this.recoveryIntervalMs = recoveryIntervalMs;
        this.answeredAt = System.nanoTime() - FRESH_NANOS;
        this.prober = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "broker-check");
            t.setDaemon(true);
            return t;
        });
    }

    /** How long a publish waits for the broker's confirms: group changes and archives then answer 503. */
    public long confirmTimeoutMs() {
        return confirmTimeoutMs;
    }

    /** How often a consumer whose broker went away tries again. */
    public long recoveryIntervalMs() {
        return recoveryIntervalMs;
    }

    /**
     * Throws the broker's connection failure, or an {@link AmqpTimeoutException} when it has not answered for
     * the answer timeout (both mapped to 503 by the route configuration).
     */
    public void requireReachable() {
        if (System.nanoTime() - answeredAt < FRESH_NANOS) {
            return;
        }
        CompletableFuture<Void> trip;
        long started;
        synchronized (lock) {
            if (roundTrip == null || roundTrip.isDone()) {
                startedAt = System.nanoTime();
                roundTrip = CompletableFuture.runAsync(this::roundTrip, prober);
            }
            trip = roundTrip;
            started = startedAt;
        }
        long left = started + answerTimeoutNanos - System.nanoTime();
        try {
            trip.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AmqpTimeoutException("RabbitMQ has not answered for "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new AmqpTimeoutException(e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AmqpTimeoutException("interrupted while checking RabbitMQ");
        }
    }

    /** Whether the broker answers now (see {@link #requireReachable}), as a yes or no. */
    private boolean answering() {
        try {
            requireReachable();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Publishes what {@code sends} sends, on one channel of {@code template}, and waits for the broker's confirms
     * of it all, up to {@code confirmTimeoutMs}. A broker known to be silent is not published to (a new channel's
     * open would wait for it), and the wait ends as soon as the broker stops answering: a request that publishes
     * several times then fails once, quickly, instead of waiting the whole timeout for each publish.
     *
     * @param what what was published, for the exception: "broker did not confirm " + what
     * @throws TimeoutException when not everything was confirmed in time (or a publish was nacked)
     */
    public void publishConfirmed(RabbitTemplate template, long confirmTimeoutMs, String what,
                                 Consumer<RabbitOperations> sends) throws TimeoutException {
        requireReachable();
        Boolean confirmed = template.invoke(ops -> {
            Channel target = ops.execute(BrokerCheck::openTarget);
            sends.accept(ops);
            return awaitConfirms(ops, target, confirmTimeoutMs);
        });
        if (!Boolean.TRUE.equals(confirmed)) {
            throw new TimeoutException("broker did not confirm " + what);
        }
    }

    /**
     * The confirms of what {@code ops} published, waited for on {@code target}, the channel they went out on
     * itself. Not through Spring's cached channel: once its channel has closed (its node lost) it opens a new
     * one under the same proxy for the next call, and a wait on that one finds nothing outstanding and answers
     * "all confirmed" for publishes that went down with the old one (ClusterIT at 200 msg/s: copies counted as
     * published, their outbox entries deleted, never routed). A channel replaced during the sends, or closed
     * before its confirms came, is a failure: the caller publishes again (at least once).
     */
    private boolean awaitConfirms(RabbitOperations ops, Channel target, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        return Boolean.TRUE.equals(ops.execute(channel -> {
            if (targetOf(channel) != target) {
                return false;
            }
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                try {
                    // on the channel itself: its TimeoutException tells a slow broker from a nack, which Spring's
                    // waitForConfirms reports alike
                    return target.waitForConfirms(Math.max(1, Math.min(left, CONFIRM_SLICE_MS)));
                } catch (TimeoutException e) {
                    if (left <= CONFIRM_SLICE_MS || !answering()) {
                        return false;
                    }
                } catch (ShutdownSignalException closed) { // AlreadyClosedException too
                    return false;
                }
            }
        }));
    }

    /** The channel under Spring's proxy, opened first if the cached one had closed (any call through it does). */
    private static Channel openTarget(Channel channel) {
        channel.getChannelNumber();
        return targetOf(channel);
    }

    private static Channel targetOf(Channel channel) {
        return channel instanceof ChannelProxy proxy ? proxy.getTargetChannel() : channel;
    }

    private void roundTrip() {
        template.execute(channel -> {
            channel.exchangeDeclarePassive("amq.topic");
            return null;
        });
        answeredAt = System.nanoTime();
    }
}
