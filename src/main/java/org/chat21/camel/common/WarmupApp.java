package org.chat21.camel.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The app (tenant) id the start-up warm-up sends its messages in (operations.Warmup): reserved, one per
 * process ({@value #PREFIX} and a random suffix), so that what the warm-up does is never told to anyone
 * (webhooks, bridges, the on-message hooks) and is deleted afterwards. Bound as {@code warmupApp}
 * (routes/beans.yaml) for the routes' filters.
 */
public class WarmupApp {
    public static final String PREFIX = "chat21-camel-warmup-";

    public static boolean is(Object appId) {
        return appId instanceof String s && s.startsWith(PREFIX);
    }

    /** The messages or copies that are not the warm-up's: the same list when none is (the usual case). */
    public static List<Map<String, Object>> visible(List<Map<String, Object>> items) {
        int i = 0;
        while (i < items.size() && !is(items.get(i).get("app_id"))) {
            i++;
        }
        if (i == items.size()) {
            return items;
        }
        List<Map<String, Object>> kept = new ArrayList<>(items.subList(0, i));
        for (; i < items.size(); i++) {
            if (!is(items.get(i).get("app_id"))) {
                kept.add(items.get(i));
            }
        }
        return kept;
    }
}
