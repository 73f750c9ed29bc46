package org.chat21.camel.routes;

import org.apache.camel.RuntimeCamelException;
import org.apache.camel.builder.AdviceWith;
import org.bson.Document;
import org.chat21.camel.TestTokens;
import org.chat21.camel.common.ApiException;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpConnectException;

import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API route configuration of policies.yaml (authentication of every REST request, failures mapped
 * to status and JSON by exception class), the reply route of api.yaml, and the history lists.
 */
class ApiRoutesTest extends RouteTestSupport {
    /** Set by a test before its request: what the info route throws (null: it answers). */
    private volatile Exception failure;

    @Override
    protected void advise() throws Exception {
        AdviceWith.adviceWith(context, "info", a -> a.weaveAddFirst().process(e -> {
            if (failure != null) {
                throw failure;
            }
        }));
    }

    private HttpResponse<String> getInfo() {
        return http("GET", "/api/" + app + "/getInfo", user("alice"), null, "X-Echo", "1");
    }

    private static void assertJsonReply(HttpResponse<String> response) {
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null));
        assertTrue(response.headers().firstValue("X-Echo").isEmpty(), "request header echoed: " + response.headers().map());
        assertTrue(response.headers().firstValue("Authorization").isEmpty(), "token echoed: " + response.headers().map());
    }

    @Test
    void aRepliedRequestIsJsonAndEchoesNoHeader() {
        HttpResponse<String> response = getInfo();

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Map.of("v", "0.1.0"), json(response));
        assertJsonReply(response);
    }

    @Test
    void anApiExceptionGetsItsOwnStatusAndText() {
        failure = new ApiException(418, "teapot");

        HttpResponse<String> response = getInfo();

        assertEquals(418, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "teapot"), json(response));
        assertJsonReply(response);
    }

    @Test
    void anUnavailableBrokerIsA503EvenWhenWrapped() {
        failure = new RuntimeCamelException(new AmqpConnectException(new ConnectException("test")));

        HttpResponse<String> response = getInfo();

        assertEquals(503, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "service temporarily unavailable, try again"), json(response));
        assertJsonReply(response);
    }

    @Test
    void aBugIsA500WithoutItsStackTrace() {
        failure = new NullPointerException("test: a bug");

        HttpResponse<String> response = getInfo();

        assertEquals(500, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "internal error"), json(response));
        assertFalse(response.body().contains("NullPointerException"), response.body());
        assertFalse(response.body().contains("test: a bug"), response.body());
        assertFalse(response.body().contains("\tat "), response.body());
        assertJsonReply(response);
    }

    @Test
    void aRequestWithoutATokenIs401() {
        HttpResponse<String> response = http("GET", "/api/" + app + "/getInfo", null, null, "X-Echo", "1");

        assertEquals(401, response.statusCode(), response.body());
        assertEquals(Map.of("success", false, "err", "missing token"), json(response));
        assertJsonReply(response);
    }

    @Test
    void aTokenOfAnotherAppIs403() {
        HttpResponse<String> response = http("GET", "/api/" + app + "/getInfo", TestTokens.user("alice", "otherapp"), null);

        assertEquals(403, response.statusCode(), response.body());
        assertEquals(false, json(response).get("success"));
        assertJsonReply(response);
    }

    @Test
    void aLimitOutOfRangeIs400() {
        HttpResponse<String> response = http("GET", "/api/" + app + "/alice/conversations?limit=0", user("alice"), null);

        assertEquals(400, response.statusCode(), response.body());
        assertEquals(false, json(response).get("success"));
        assertTrue(String.valueOf(json(response).get("err")).startsWith("limit must be"), response.body());
    }

    @Test
    void aUserReadsOnlyTheirOwnListButAnAdminAnyone() {
        db.getCollection("conversations").insertOne(new Document("timelineOf", "bob").append("conversWith", "carol")
                .append("app_id", app).append("archived", false).append("timestamp", 1L).append("text", "hi"));

        HttpResponse<String> other = http("GET", "/api/" + app + "/bob/conversations", user("alice"), null);
        HttpResponse<String> own = http("GET", "/api/" + app + "/bob/conversations", user("bob"), null);
        HttpResponse<String> admin = http("GET", "/api/" + app + "/bob/conversations", TestTokens.admin("root", app), null);

        assertEquals(403, other.statusCode(), other.body());
        assertEquals(Map.of("success", false, "err", "you may read only your own timeline"), json(other));
        for (HttpResponse<String> allowed : List.of(own, admin)) {
            assertEquals(200, allowed.statusCode(), allowed.body());
            List<?> result = (List<?>) json(allowed).get("result");
            assertEquals(1, result.size(), allowed.body());
            assertEquals("carol", ((Map<?, ?>) result.get(0)).get("conversWith"));
            assertJsonReply(allowed);
        }
    }
}
