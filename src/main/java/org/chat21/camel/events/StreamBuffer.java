package org.chat21.camel.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What one stream has to write, in order, and no more than it may hold. Live events arrive from the broker
 * on one thread and are written on another; while the replay runs they are held back, and when it ends the
 * held ones follow it, without the copies the replay already wrote (a copy stored before the replay's query
 * may be published after the stream's queue was bound: it would come twice). A reader that falls
 * {@code capacity} events behind overflows the buffer: nothing is dropped silently, the stream is closed
 * and the client resumes from its last event id.
 *
 * <p>The position only moves forward: every event's id is the newest copy position written so far (or the
 * start). A copy that comes live after a newer one (two delivery workers, the relay) is written but leaves
 * the position where it is, so a client resuming after both gets neither again. Thread-safe.
 */
final class StreamBuffer {
    /** A frame to write, and whether it moved the stream's position. */
    record Frame(String text, boolean copy) {
    }

    private final int capacity;
    private final int remembered;
    private final ArrayDeque<TimelineEvent> pending = new ArrayDeque<>();
    private final List<TimelineEvent> held = new ArrayList<>();
    // ids of replayed copies (the newest `remembered`: only recent copies can still be in flight live)
    private final LinkedHashSet<String> replayed = new LinkedHashSet<>();
    private boolean live;
    private boolean overflowed;
    private TimelineEvent.Position position;

    /**
     * @param capacity   events waiting to be written at most (held ones included)
     * @param remembered replayed copy ids kept to drop their live duplicates
     * @param position   where the stream starts: the client's last event id, or now
     */
    StreamBuffer(int capacity, int remembered, TimelineEvent.Position position) {
        this.capacity = capacity;
        this.remembered = remembered;
        this.position = position;
    }

    /** A live event; false once the buffer has overflowed (the stream must close). */
    synchronized boolean offerLive(TimelineEvent event) {
        if (overflowed) {
            return false;
        }
        if (!live) {
            if (held.size() >= capacity) {
                overflowed = true;
                return false;
            }
            held.add(event);
            return true;
        }
        if (isReplayed(event)) {
            return true;
        }
        if (pending.size() >= capacity) {
            overflowed = true;
            return false;
        }
        pending.add(event);
        return true;
    }

    /** A page of the replay, in store order. */
    synchronized void offerReplayed(List<TimelineEvent> page) {
        for (TimelineEvent event : page) {
            pending.add(event);
            replayed.add(event.copyId());
            if (replayed.size() > remembered) {
                Iterator<String> oldest = replayed.iterator();
                oldest.next();
                oldest.remove();
            }
        }
    }

    /** The replay is over: the held live events follow it (without what it wrote), and the next go straight on. */
    synchronized void goLive() {
        for (TimelineEvent event : held) {
            if (!isReplayed(event)) {
                pending.add(event);
            }
        }
        held.clear();
        live = true;
    }

    synchronized boolean isLive() {
        return live;
    }

    /** The next frame to write, or null. Its id: the position after it. */
    synchronized Frame poll() {
        TimelineEvent event = pending.poll();
        if (event == null) {
            return null;
        }
        if (event.copy() != null && event.copy().after(position)) {
            position = event.copy();
        }
        return new Frame(event.frame(position.toString()), event.copy() != null);
    }

    synchronized int pendingSize() {
        return pending.size();
    }

    synchronized TimelineEvent.Position position() {
        return position;
    }

    private boolean isReplayed(TimelineEvent event) {
        return event.copyId() != null && replayed.contains(event.copyId());
    }
}
