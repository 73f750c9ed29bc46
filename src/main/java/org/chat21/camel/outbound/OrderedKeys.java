package org.chat21.camel.outbound;

import java.util.HashMap;
import java.util.Map;

/**
 * A conversation's events in their order through retries, for an ordered consumer (one event at a time per
 * partition queue, a conversation always in the same partition). When an event of a conversation fails it is
 * parked for its retry, and the conversation's later events are held: parked too, unattempted, numbered in
 * their order, in the shortest stage, where they cycle until the failed one is through (delivered, or
 * dead-lettered after its last attempt). Then they are let through by their numbers, one after the other
 * (one that comes back out of turn cycles again), and events that arrive meanwhile are numbered behind them.
 * Other conversations go on. Counts change only once the broker took what was decided ({@link #heldParked},
 * {@link #left}), so a park that fails and is redelivered changes nothing. The state is this consumer's (in
 * memory): after a partition's consumer moves to another instance, the order of a conversation that was in
 * retry is kept only as far as the stages keep it.
 */
final class OrderedKeys {
    /** What to do with an event that arrived. */
    enum Decision { DELIVER, HOLD }

    private static final class State {
        boolean failing;
        /** the number of the held event to let through next, and the last number given */
        long next = 1;
        long last;
    }

    private final Map<String, State> states = new HashMap<>();

    /**
     * What to do with an event that arrived; changes nothing.
     *
     * @param key   the event's conversation (null: not ordered)
     * @param held  its number if it was held before and is back from the stage, else 0
     * @param retry whether it is the failed one back for its next attempt (the conversation's head)
     */
    synchronized Decision arrive(String key, long held, boolean retry) {
        State state = key == null ? null : states.get(key);
        if (state == null || retry) {
            return Decision.DELIVER;
        }
        if (held > 0) {
            return state.failing || held != state.next ? Decision.HOLD : Decision.DELIVER;
        }
        // a new one: behind the failed one, and behind the held ones still out
        return state.failing || state.last >= state.next ? Decision.HOLD : Decision.DELIVER;
    }

    /** The number a new event of {@code key} is held under (taken once {@link #heldParked} says it was parked). */
    synchronized long number(String key) {
        State state = states.get(key);
        return state == null ? 1 : state.last + 1;
    }

    /** An event of {@code key} was parked as held under {@code number}. */
    synchronized void heldParked(String key, long number) {
        State state = states.computeIfAbsent(key, k -> new State());
        state.last = Math.max(state.last, number);
    }

    /** The held event {@code number} of {@code key} was delivered and settled (taken, or parked as the failed one). */
    synchronized void left(String key, long number) {
        State state = key == null ? null : states.get(key);
        if (state != null && number == state.next) {
            state.next++;
            forgetIfDone(key, state);
        }
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
        if (!state.failing && state.last < state.next) {
            states.remove(key);
        }
    }
}
