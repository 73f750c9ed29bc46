package org.chat21.camel.group;

import org.chat21.camel.delivery.TimelinePublisher.Publication;

import java.util.List;
import java.util.Map;

/**
 * What one group change produces, for the {@code group-changed} route to carry out in order: the group as
 * it is now (announced to every instance), the history new members get, the {@code clientupdated}
 * publishes to members, and the info messages sent to the group like any message.
 */
public record GroupChange(Map<String, Object> group, HistoryReplay history, List<Publication> updates,
                          List<Map<String, Object>> notices) {

    public String appId() {
        return (String) group.get("appId");
    }

    public String groupId() {
        return (String) group.get("uid");
    }
}
