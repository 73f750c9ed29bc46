package org.chat21.camel.events;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open {@code GET .../events}: subscribe (queue bound), then the replay from the client's last event id a
 * page at a time, then live. Everything written goes through the {@link StreamBuffer} and is written on the
 * connection's Vert.x context, only while Vert.x's write queue is not full (then on its drain); blocking work
 * (the broker, the store) runs on the streams' own threads, never on an event loop or a route's worker.
 */
final class EventStream {
    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);

    private final EventStreams owner;
    private final HttpServerResponse response;
    private final Context context;
    final String appId;
    final String userId;
    private final TimelineEvent.Position from;
    private final StreamBuffer buffer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile TimelineSubscription subscription;
    // confined to the context
    private boolean headWritten;
    private TimelineEvent.Position nextPage;
    private boolean pageInFlight;
    private long keepAliveTimer = -1;

    EventStream(EventStreams owner, HttpServerResponse response, Context context, String appId, String userId,
                TimelineEvent.Position from) {
        this.owner = owner;
        this.response = response;
        this.context = context;
        this.appId = appId;
        this.userId = userId;
        this.from = from;
        TimelineEvent.Position start = from != null ? from : new TimelineEvent.Position(System.currentTimeMillis(), "");
        this.buffer = new StreamBuffer(owner.settings().buffer(), owner.settings().buffer() * 2, start);
    }

    /** Called on the request's context. */
    void start() {
        response.closeHandler(v -> close(null));
        response.exceptionHandler(e -> close(null));
        owner.runBlocking(() -> {
            try {
                subscription = owner.subscribe(appId, userId, new TimelineSubscription.Listener() {
                    @Override
                    public void delivered(String routingKey, byte[] body) {
                        onDelivery(routingKey, body);
                    }

                    @Override
                    public void gone() {
                        close("the broker connection is gone");
                    }
                });
                if (closed.get()) {
                    subscription.close();
                    return;
                }
                TimelineReplay.Page first = from == null ? null : owner.replay(appId, userId, from);
                context.runOnContext(v -> begin(first));
            } catch (Exception e) {
                LOG.warn("event stream of {}/{} could not start: {}", appId, userId, e.toString());
                close("unavailable");
            }
        });
    }

    /** On the context: the answer's head, the first block (reconnect delay, start position), the replay. */
    private void begin(TimelineReplay.Page first) {
        if (closed.get()) {
            return;
        }
        headWritten = true;
        response.setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                // proxies (nginx) must pass each event on at once
                .putHeader("X-Accel-Buffering", "no");
        response.write("retry: " + owner.settings().retryMs() + "\nid: " + buffer.position() + "\n\n");
        keepAliveTimer = context.owner().setPeriodic(owner.settings().keepAliveMs(), id -> {
            if (!closed.get() && !response.writeQueueFull()) {
                response.write(": keep-alive\n\n");
            }
        });
        accept(first);
    }

    /** On the context: a page of the replay (null: none), then live once the replay is done. */
    private void accept(TimelineReplay.Page page) {
        if (page != null) {
            buffer.offerReplayed(page.events());
            nextPage = page.next();
        }
        if (nextPage == null) {
            buffer.goLive();
        }
        drain();
    }

    /** On the context: write what is buffered while the client reads; fetch the next replay page when it is low. */
    private void drain() {
        drainScheduled.set(false);
        if (closed.get()) {
            return;
        }
        StreamBuffer.Frame frame;
        while (!response.writeQueueFull() && (frame = buffer.poll()) != null) {
            response.write(frame.text());
        }
        if (buffer.pendingSize() > 0) {
            response.drainHandler(v -> drain());
        }
        if (nextPage != null && !pageInFlight && buffer.pendingSize() < owner.settings().replayPage()) {
            pageInFlight = true;
            TimelineEvent.Position after = nextPage;
            owner.runBlocking(() -> {
                try {
                    TimelineReplay.Page page = owner.replay(appId, userId, after);
                    context.runOnContext(v -> {
                        pageInFlight = false;
                        accept(page);
                    });
                } catch (Exception e) {
                    LOG.warn("event stream of {}/{}: replay failed: {}", appId, userId, e.toString());
                    close("replay failed");
                }
            });
        }
    }

    /** On the broker client's thread. */
    private void onDelivery(String routingKey, byte[] body) {
        if (closed.get()) {
            return;
        }
        if (!buffer.offerLive(TimelineEvent.published(routingKey, body))) {
            LOG.info("event stream of {}/{} closed: the client fell {} events behind (it resumes from its last event id)",
                    appId, userId, owner.settings().buffer());
            close("overflow");
            return;
        }
        if (buffer.isLive() && drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    /**
     * Ends the stream once (client gone: {@code why} null; overflow, broker gone, service stopping): the answer
     * ended (a JSON 503 if the head was not written yet), the keep-alive timer stopped, the queue deleted.
     */
    void close(String why) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        owner.released(this);
        context.runOnContext(v -> {
            if (keepAliveTimer >= 0) {
                context.owner().cancelTimer(keepAliveTimer);
            }
            try {
                if (!headWritten) {
                    if (why != null) {
                        EventStreams.refuse(response, 503, "service temporarily unavailable, try again");
                    }
                } else if ("overflow".equals(why)) {
                    // the client is not reading: cut the connection rather than queue more for it
                    response.close();
                } else if (!response.ended() && !response.closed()) {
                    response.end();
                }
            } catch (RuntimeException e) {
                // the connection went meanwhile
            }
        });
        owner.runBlocking(() -> {
            TimelineSubscription s = subscription;
            if (s != null) {
                s.close();
            }
        });
    }
}
