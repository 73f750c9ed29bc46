package org.chat21.camel.operations;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the outage watch tells: an outage once it failed two checks in a row, its end once; a single slow check nothing. */
class DependencyWatchTest {
    final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger(DependencyWatch.class);

    @BeforeEach
    void listen() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(lines);
    }

    /** Runs a watch whose probe fails on the checks {@code failing} says, for {@code checks} checks. */
    List<String> run(java.util.function.IntPredicate failing, int checks, AtomicInteger returns) throws Exception {
        AtomicInteger n = new AtomicInteger();
        DependencyWatch watch = new DependencyWatch(5).watch("RabbitMQ", "it waits", () -> {
            if (failing.test(n.getAndIncrement())) {
                throw new IllegalStateException("no answer");
            }
        }, returns::incrementAndGet);
        watch.start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (n.get() < checks && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        watch.stop();
        return lines.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO)).map(e -> e.getLevel() + " "
                + e.getFormattedMessage()).toList();
    }

    @Test
    void oneFailedCheckIsNotAnOutageButItsReturnIsStillActedOn() throws Exception {
        AtomicInteger returns = new AtomicInteger();
        assertEquals(List.of(), run(check -> check == 0, 5, returns));
        assertEquals(1, returns.get(), "what follows a return (the indexes made again) ran");
    }

    @Test
    void twoFailedChecksInARowAreToldOnceAndTheReturnOnce() throws Exception {
        List<String> told = run(check -> check >= 1 && check <= 6, 10, new AtomicInteger());
        assertEquals(2, told.size(), told.toString());
        assertTrue(told.get(0).startsWith("WARN RabbitMQ is unreachable (IllegalStateException: no answer): it waits"), told.get(0));
        assertTrue(told.get(1).startsWith("INFO RabbitMQ is reachable again after"), told.get(1));
    }
}
