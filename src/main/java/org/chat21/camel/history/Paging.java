package org.chat21.camel.history;

import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Ids;

/**
 * The paging of the history lists, beyond Chat21: {@code limit} (1..max) and a cursor
 * {@code before=<timestamp>} with an optional tie-break {@code before_id}. Anything malformed is a 400.
 */
public record Paging(int limit, Long before, String beforeId) {

    public static Paging of(String limit, String before, String beforeId, int defaultLimit, int maxLimit) {
        int n = defaultLimit;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > maxLimit) {
                throw ApiException.badRequest("limit must be an integer from 1 to " + maxLimit);
            }
        }
        Long cursor = null;
        if (before != null) {
            try {
                cursor = Long.parseLong(before.trim());
            } catch (NumberFormatException e) {
                cursor = -1L;
            }
            if (cursor < 0) {
                throw ApiException.badRequest("before must be a timestamp (ms since epoch)");
            }
        }
        if (beforeId != null) {
            if (cursor == null) {
                throw ApiException.badRequest("before_id needs before");
            }
            Ids.require("before_id", beforeId);
        }
        return new Paging(n, cursor, beforeId);
    }
}
