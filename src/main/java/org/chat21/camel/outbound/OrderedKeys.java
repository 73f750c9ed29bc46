package org.chat21.camel.outbound;

import java.util.HashMap;
import java.util.Map;

/**
 * A conversation's events in their order through retries, for an ordered consumer (one event at a time per
 * partition queue, a conversation always in the same partition). When an event of a conversation fails it is
 * parked for its retry, and the conversation's later events are held: parked too, unattempted, in the shortest
 * stage, where they cycle in their order (a stage is a FIFO) until the failed one is through (delivered, or
 * dead-lettered after its last attempt); then they come back in order, and events that arrive meanwhile wait
 * behind them. Other conversations go on. The state is this consumer's (in memory): after a partition's
 * consumer moves to another instance, order within a conversation that was in retry is kept only as far as
 * the stages keep it.
 */
final class OrderedKeys {
    /** What to do with an event that arrived. */
    enum Decision { DELIVER, HOLD }

    private static final class State {
        boolean failing;
        int held;
    }

    private final Map<String, State> states = new HashMap<>();

    /**
     * @param key   the event's conversation (null: not ordered)
     * @param held  whether it was held before (and is back from the stage)
     * @param retry whether it is the failed one back for its next attempt (the conversation's head)
     */
    synchronized Decision arrive(String key, boolean held, boolean retry) {
        State state = key == null ? null : states.get(key);
        if (state == null || retry) {
            return Decision.DELIVER;
        }
        if (held) {
            state.held = Math.max(0, state.held - 1);
        }
        if (state.failing || (!held && state.held > 0)) {
            return Decision.HOLD;
        }
        forgetIfDone(key, state);
        return Decision.DELIVER;
    }

    /** An event of {@code key} was parked as held. */
    synchronized void held(String key) {
        states.computeIfAbsent(key, k -> new State()).held++;
    }

    /** An event of {@code key} failed and was parked for its retry: the conversation's next ones wait. */
    synchronized void failed(String key) {
        if (key != null) {
            states.computeIfAbsent(key, k -> new State()).failing = true;
        }
    }

    /** An event of {@code key} is through (delivered or dead-lettered): the held ones may come. */
    synchronized void through(String key) {
        State state = key == null ? null : states.get(key);
        if (state != null) {
            state.failing = false;
            forgetIfDone(key, state);
        }
    }

    synchronized int conversationsWaiting() {
        return states.size();
    }

    private void forgetIfDone(String key, State state) {
        if (!state.failing && state.held == 0) {
            states.remove(key);
        }
    }
}
