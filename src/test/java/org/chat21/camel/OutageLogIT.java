package org.chat21.camel;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An outage of RabbitMQ, then of MongoDB (each through a proxy that drops every connection and refuses new
 * ones), under requests: each is one WARN saying what it affects and one INFO when it is back; no ERROR
 * line at all (before: an ERROR per consumer, a WARN per failed request and per delivery batch), and at most a
 * straggling WARN or two.
 */
class OutageLogIT {

    static List<String> problems(ListAppender<ILoggingEvent> log) {
        return log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage()).toList();
    }

    static boolean logged(ListAppender<ILoggingEvent> log, Level level, String text) {
        return log.list.stream().anyMatch(e -> e.getLevel() == level && e.getFormattedMessage().contains(text));
    }

    @Test
    void eachOutageIsOneWarnAndItsEndOneInfo() throws Exception {
        try (TcpProxy rabbit = new TcpProxy("127.0.0.1", 5672)) {
            TcpProxy mongo = null;
            ServiceHarness svc = null;
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            try {
                // the store behind a proxy of its own: the harness makes the store first, so a second service start
                // is not needed; the proxy points at a store made here
                de.bwaldvogel.mongo.MongoServer store = new de.bwaldvogel.mongo.MongoServer(
                        new de.bwaldvogel.mongo.backend.memory.MemoryBackend());
                java.net.InetSocketAddress address = store.bind();
                mongo = new TcpProxy("127.0.0.1", address.getPort());
                svc = new ServiceHarness(Map.of(
                        "chat21.rabbitmq.uri", "amqp://guest:guest@127.0.0.1:" + rabbit.port(),
                        "chat21.mongodb.uri", "mongodb://127.0.0.1:" + mongo.port() + "/chatdb?serverSelectionTimeoutMS=1500",
                        "chat21.outage.check-interval-ms", "300"), null);
                ServiceHarness service = svc;
                log.start();
                root.addAppender(log);

                rabbit.cut();
                for (int i = 0; i < 5; i++) {
                    assertEquals(200, service.sendText("outA", "outB", "during a broker outage " + i).statusCode());
                }
                waitUntil(() -> logged(log, Level.WARN, "RabbitMQ is unreachable"), 10_000, "no WARN for the broker");
                Thread.sleep(1_500);
                rabbit.restore();
                waitUntil(() -> logged(log, Level.INFO, "RabbitMQ is reachable again"), 15_000, "no INFO for the broker");
                waitUntil(() -> service.db.getCollection("outbox").countDocuments() == 0, 20_000, "not delivered after");

                mongo.cut();
                for (int i = 0; i < 3; i++) {
                    assertEquals(503, service.sendText("outA", "outB", "during a store outage " + i).statusCode());
                }
                waitUntil(() -> logged(log, Level.WARN, "MongoDB is unreachable"), 10_000, "no WARN for the store");
                mongo.restore();
                waitUntil(() -> logged(log, Level.INFO, "MongoDB is reachable again"), 15_000, "no INFO for the store");
                waitUntil(() -> service.sendText("outA", "outB", "after").statusCode() == 200, 15_000, "no recovery");

                List<String> problems = problems(log);
                System.out.println("WARN and ERROR lines of the two outages:\n" + String.join("\n", problems));
                List<String> told = problems.stream().filter(p -> p.contains("DependencyWatch")).toList();
                assertEquals(2, told.size(), String.join("\n", problems));
                assertTrue(told.get(0).contains("RabbitMQ is unreachable") && told.get(0).contains("sends are still accepted"),
                        told.get(0));
                assertTrue(told.get(1).contains("MongoDB is unreachable") && told.get(1).contains("503"), told.get(1));
                assertTrue(problems.stream().noneMatch(p -> p.startsWith("ERROR")), String.join("\n", problems));
                // before: an ERROR per consumer, a WARN per request, publication and batch (dozens); a straggler
                // of a path not classified yet is tolerated, not a flood
                assertTrue(problems.size() - told.size() <= 2, String.join("\n", problems));
                store.shutdownNow();
            } finally {
                root.detachAppender(log);
                if (svc != null) {
                    svc.close();
                }
                if (mongo != null) {
                    mongo.close();
                }
            }
        }
    }
}
