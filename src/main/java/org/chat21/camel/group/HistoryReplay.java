package org.chat21.camel.group;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The group history new members get (spec 6): the group timeline's newest messages, oldest first, and
 * who joined. Iterated per member, each member's copies made only when reached, so memory stays at one
 * member's copies however many join at once.
 */
public record HistoryReplay(String groupId, List<Map<String, Object>> timeline, List<String> members)
        implements Iterable<List<Map<String, Object>>> {

    public static final HistoryReplay NONE = new HistoryReplay("", List.of(), List.of());

    @Override
    public Iterator<List<Map<String, Object>>> iterator() {
        if (timeline.isEmpty()) {
            return List.<List<Map<String, Object>>>of().iterator();
        }
        Iterator<String> next = members.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return next.hasNext();
            }

            @Override
            public List<Map<String, Object>> next() {
                return GroupRules.historyCopies(timeline, next.next(), groupId);
            }
        };
    }
}
