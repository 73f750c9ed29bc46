package org.chat21.camel.history;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import org.bson.conversions.Bson;

/**
 * The history lists of spec 3 as camel-mongodb {@code findAll} queries: a user's conversations (active or
 * archived, all or one) and the messages of one conversation of their timeline, newest first,
 * {@code limit} (1..500, default 200) at a time. {@code before=<timestamp>} (with {@code before_id=} the
 * tie field of the last item seen, for items sharing that timestamp) continues after the last page: the
 * order is (timestamp, tie field) descending, so every item is seen once. Bound as {@code historyQueries}.
 */
public class HistoryQueries {
    static final int DEFAULT_LIMIT = 200;
    static final int MAX_LIMIT = 500;

    /** What the mongodb endpoint needs: criteria, sort and limit (the route puts them in its headers). */
    public record Query(Bson criteria, Bson sort, int limit) {
    }

    /** The user's conversations of this app, archived or not; only the one with {@code conversWith} if given. */
    public Query conversations(String userId, String appId, String conversWith, boolean archived, String limit,
                               String before, String beforeId) {
        Bson criteria = Filters.and(Filters.eq("timelineOf", userId), Filters.eq("app_id", appId),
                Filters.eq("archived", archived));
        if (conversWith != null) {
            criteria = Filters.and(criteria, Filters.eq("conversWith", conversWith));
        }
        return page(criteria, "conversWith", limit, before, beforeId);
    }

    /** The messages of one conversation in the user's timeline. */
    public Query messages(String userId, String appId, String conversWith, String limit, String before,
                          String beforeId) {
        return page(Filters.and(Filters.eq("timelineOf", userId), Filters.eq("conversWith", conversWith),
                Filters.eq("app_id", appId)), "message_id", limit, before, beforeId);
    }

    private static Query page(Bson criteria, String tieField, String limit, String before, String beforeId) {
        Paging paging = Paging.of(limit, before, beforeId, DEFAULT_LIMIT, MAX_LIMIT);
        if (paging.before() != null) {
            Bson older = Filters.lt("timestamp", paging.before());
            if (paging.beforeId() != null) {
                older = Filters.or(older, Filters.and(Filters.eq("timestamp", paging.before()),
                        Filters.lt(tieField, paging.beforeId())));
            }
            criteria = Filters.and(criteria, older);
        }
        return new Query(criteria, Sorts.descending("timestamp", tieField), paging.limit());
    }
}
