package org.chat21.camel.api;

import org.chat21.camel.TestTokens;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenVerifierTest {
    static final Clock NOW = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    final TokenVerifier verifier = new TokenVerifier("tokenKey", 0, NOW);

    /** The spec's sample payload, signed with Chat21's default 8-byte secret. */
    @Test
    void acceptsChat21SampleTokenWithShortDefaultSecret() {
        Map<String, Object> claims = Json.readMap("{\"sub\":\"USER1\",\"app_id\":\"tilechat\",\"tiledesk_api_roles\":\"user\","
                + "\"iat\":1639214418,\"exp\":1950254418,\"aud\":[\"rabbitmq\",\"USER1\"],\"kid\":\"tiledesk-key\","
                + "\"scope\":[\"rabbitmq.read:*/*/apps.tilechat.users.USER1.*\",\"rabbitmq.configure:*/*/*\"]}");
        Caller caller = verifier.verify(TestTokens.sign(claims, "tokenKey", "HS256"));
        assertEquals(new Caller("USER1", "tilechat", false), caller);
    }

    @Test
    void recognisesAdminRole() {
        assertTrue(verifier.verify(TestTokens.admin("root", "tilechat")).admin());
        assertTrue(TokenVerifier.isAdmin("user, admin"));
        assertTrue(TokenVerifier.isAdmin(List.of("user", "admin")));
        assertFalse(TokenVerifier.isAdmin("administrator"));
        assertFalse(TokenVerifier.isAdmin(null));
        assertFalse(TokenVerifier.isAdmin(Map.of("admin", true)));
    }

    @Test
    void refusesEveryOtherAlgorithm() {
        var claims = TestTokens.claims("u", "a", "user");
        assertUnauthorized(TestTokens.sign(claims, "tokenKey", "none"));
        assertUnauthorized(TestTokens.sign(claims, "tokenKey", "HS512"));
    }

    @Test
    void refusesWrongSecretTamperingAndGarbage() {
        var claims = TestTokens.claims("u", "a", "user");
        assertUnauthorized(TestTokens.sign(claims, "otherKey", "HS256"));
        String good = TestTokens.sign(claims, "tokenKey", "HS256");
        String[] parts = good.split("\\.");
        String forgedPayload = TestTokens.sign(TestTokens.claims("admin", "a", "admin"), "x", "HS256").split("\\.")[1];
        assertUnauthorized(parts[0] + "." + forgedPayload + "." + parts[2]);
        assertUnauthorized(parts[0] + "." + parts[1] + ".");
        assertUnauthorized("abc");
        assertUnauthorized("");
        assertUnauthorized(null);
    }

    @Test
    void honoursExpAndNbf() {
        var expired = TestTokens.claims("u", "a", "user");
        expired.put("exp", 1_700_000_000L - 1);
        assertUnauthorized(TestTokens.sign(expired, "tokenKey", "HS256"));
        var notYet = TestTokens.claims("u", "a", "user");
        notYet.put("nbf", 1_700_000_000L + 10);
        assertUnauthorized(TestTokens.sign(notYet, "tokenKey", "HS256"));
        var noExp = TestTokens.claims("u", "a", "user");
        noExp.remove("exp");
        assertEquals("u", verifier.verify(TestTokens.sign(noExp, "tokenKey", "HS256")).userId());
        var lenient = new TokenVerifier("tokenKey", 5, NOW);
        assertEquals("u", lenient.verify(TestTokens.sign(expired, "tokenKey", "HS256")).userId());
    }

    @Test
    void requiresStringSubAndAppId() {
        var noApp = TestTokens.claims("u", "a", "user");
        noApp.remove("app_id");
        assertUnauthorized(TestTokens.sign(noApp, "tokenKey", "HS256"));
        var numericSub = TestTokens.claims("u", "a", "user");
        numericSub.put("sub", Map.of("id", 42));
        assertUnauthorized(TestTokens.sign(numericSub, "tokenKey", "HS256"));
        // a number is not turned into the user "123" (nimbus' own claim parsing would)
        for (Object bad : List.of(123, 1.5, true, List.of("u"))) {
            var claims = TestTokens.claims("u", "a", "user");
            claims.put("sub", bad);
            assertUnauthorized(TestTokens.sign(claims, "tokenKey", "HS256"));
            var app = TestTokens.claims("u", "a", "user");
            app.put("app_id", bad);
            assertUnauthorized(TestTokens.sign(app, "tokenKey", "HS256"));
        }
    }

    @Test
    void rolesAreAStringOrAListOfStringsAndTimesNumbers() {
        for (Object bad : List.of(1, true, Map.of("admin", true), List.of("admin", 1))) {
            var claims = TestTokens.claims("u", "a", "user");
            claims.put("tiledesk_api_roles", bad);
            assertUnauthorized(TestTokens.sign(claims, "tokenKey", "HS256"));
        }
        var list = TestTokens.claims("u", "a", "user");
        list.put("tiledesk_api_roles", List.of("user", "admin"));
        assertTrue(verifier.verify(TestTokens.sign(list, "tokenKey", "HS256")).admin());
        for (String time : List.of("exp", "nbf")) {
            var claims = TestTokens.claims("u", "a", "user");
            claims.put(time, "tomorrow");
            assertUnauthorized(TestTokens.sign(claims, "tokenKey", "HS256"));
        }
        var none = TestTokens.claims("u", "a", "user");
        none.remove("tiledesk_api_roles");
        assertFalse(verifier.verify(TestTokens.sign(none, "tokenKey", "HS256")).admin());
    }

    /** A remembered token is still checked in time at every use, and remembering one lets no other through. */
    @Test
    void aRememberedTokenStillExpiresAndForgeriesOfItAreRefused() {
        long[] now = {1_700_000_000_000L};
        Clock moving = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now[0]);
            }
        };
        TokenVerifier remembering = new TokenVerifier("tokenKey", 0, moving);
        var claims = TestTokens.claims("u", "a", "user");
        claims.put("exp", 1_700_000_060L);
        claims.put("nbf", 1_700_000_000L);
        String token = TestTokens.sign(claims, "tokenKey", "HS256");
        now[0] -= 1_000;
        assertEquals(401, assertThrows(ApiException.class, () -> remembering.verify(token)).status());
        now[0] += 1_000;
        assertEquals("u", remembering.verify(token).userId());
        assertEquals("u", remembering.verify("  " + token + " ").userId());
        String[] parts = token.split("\\.");
        String admin = TestTokens.sign(TestTokens.claims("admin", "a", "admin"), "x", "HS256").split("\\.")[1];
        assertEquals(401, assertThrows(ApiException.class,
                () -> remembering.verify(parts[0] + "." + admin + "." + parts[2])).status());
        now[0] += 61_000;
        ApiException expired = assertThrows(ApiException.class, () -> remembering.verify(token));
        assertEquals("token expired", expired.getMessage());
    }

    /** Memory is bounded: past the limit the remembered tokens are forgotten and checked again. */
    @Test
    void remembersABoundedNumberOfTokens() {
        for (int i = 0; i < TokenVerifier.REMEMBERED + 10; i++) {
            assertEquals("u" + i, verifier.verify(TestTokens.sign(TestTokens.claims("u" + i, "a", "user"), "tokenKey", "HS256")).userId());
            assertTrue(verifier.remembered() <= TokenVerifier.REMEMBERED);
        }
        assertEquals("u1", verifier.verify(TestTokens.sign(TestTokens.claims("u1", "a", "user"), "tokenKey", "HS256")).userId());
    }

    private void assertUnauthorized(String token) {
        ApiException e = assertThrows(ApiException.class, () -> verifier.verify(token));
        assertEquals(401, e.status());
    }
}
