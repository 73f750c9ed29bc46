package org.chat21.camel.api;

import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Ids;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Authentication of every REST request (spec 1), called once by the API route configuration
 * (routes/policies.yaml): the caller from the token, then the path's app id and ids checked against it.
 */
public class Authenticator {
    private static final String[] QUERY_NAMES = {"jwt", "JWT", "token"};
    private static final String[] PREFIXES = {"JWT ", "Bearer "};

    private final TokenVerifier tokens;

    public Authenticator(TokenVerifier tokens) {
        this.tokens = tokens;
    }

    /**
     * The verified caller. The token is read from the Authorization header (raw, {@code JWT } or
     * {@code Bearer }), else from the query parameters {@code jwt}, {@code JWT}, {@code token}. 401 otherwise.
     */
    public Caller caller(String authorization, String rawQuery, String query) {
        return tokens.verify(findToken(authorization, rawQuery != null ? rawQuery : query));
    }

    /**
     * The path belongs to the caller's app (403 otherwise), and every id in it could sit in a routing
     * key (400 otherwise).
     */
    public void requirePath(Caller caller, String appId, String userId, String conversWith, String groupId,
                            String memberId) {
        if (appId != null && !appId.equals(caller.appId())) {
            throw ApiException.forbidden("token is not valid for app " + (Ids.isValid(appId) ? appId : "in path"));
        }
        requireIdIfPresent("app_id", appId);
        requireIdIfPresent("user_id", userId);
        requireIdIfPresent("convers_with", conversWith);
        requireIdIfPresent("group_id", groupId);
        requireIdIfPresent("member_id", memberId);
    }

    /** Reads of {@code /{app_id}/{user_id}/...}: only that user, or an admin (spec 3, fix). */
    public void requireOwnTimeline(Caller caller, String userId) {
        if (caller == null || !caller.mayActFor(userId)) {
            throw ApiException.forbidden("you may read only your own timeline");
        }
    }

    private static void requireIdIfPresent(String field, String value) {
        if (value != null) {
            Ids.require(field, value);
        }
    }

    static String findToken(String authorization, String query) {
        if (authorization != null && !authorization.isBlank()) {
            return withoutPrefix(authorization);
        }
        if (query != null) {
            Map<String, String> params = new LinkedHashMap<>();
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                    params.putIfAbsent(name, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            for (String name : QUERY_NAMES) {
                if (params.containsKey(name)) {
                    return withoutPrefix(params.get(name));
                }
            }
        }
        return null;
    }

    /** A token may come as is, or prefixed {@code JWT } or {@code Bearer } (any case). */
    static String withoutPrefix(String value) {
        String v = value.trim();
        for (String prefix : PREFIXES) {
            if (v.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return v.substring(prefix.length()).trim();
            }
        }
        return v;
    }
}
