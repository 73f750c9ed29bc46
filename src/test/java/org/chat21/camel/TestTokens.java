package org.chat21.camel;

import org.chat21.camel.common.Json;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Builds JWTs the way Chat21's token issuers do (HS256 over the shared secret), plus forged ones. */
public final class TestTokens {
    public static final String KEY = "tokenKey";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private TestTokens() {
    }

    public static String user(String sub, String appId) {
        return sign(claims(sub, appId, "user"), KEY, "HS256");
    }

    public static String admin(String sub, String appId) {
        return sign(claims(sub, appId, "user,admin"), KEY, "HS256");
    }

    /**
     * A user's token as Chat21 issues it for MQTT too: RabbitMQ's OAuth2 backend reads the scopes (read
     * and write on the user's own timeline, write on the user's outgoing topics).
     */
    public static String mqttUser(String sub, String appId) {
        Map<String, Object> claims = claims(sub, appId, "user");
        claims.put("scope", new String[] {
                "rabbitmq.read:*/*/apps." + appId + ".users." + sub + ".*",
                "rabbitmq.write:*/*/apps." + appId + ".users." + sub + ".*",
                "rabbitmq.write:*/*/apps." + appId + ".outgoing.users." + sub + ".*",
                "rabbitmq.configure:*/*/*"});
        return sign(claims, KEY, "HS256");
    }

    public static Map<String, Object> claims(String sub, String appId, String roles) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", sub);
        claims.put("app_id", appId);
        claims.put("tiledesk_api_roles", roles);
        claims.put("iat", 1639214418L);
        claims.put("exp", 1950254418L);
        claims.put("aud", new String[] {"rabbitmq", sub});
        claims.put("kid", "tiledesk-key");
        return claims;
    }

    public static String sign(Map<String, Object> claims, String key, String alg) {
        String header = B64.encodeToString(Json.write(Map.of("alg", alg, "typ", "JWT")).getBytes(StandardCharsets.UTF_8));
        String payload = B64.encodeToString(Json.write(claims).getBytes(StandardCharsets.UTF_8));
        String input = header + "." + payload;
        if (alg.equals("none")) {
            return input + ".";
        }
        String macAlg = alg.equals("HS512") ? "HmacSHA512" : "HmacSHA256";
        try {
            Mac mac = Mac.getInstance(macAlg);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), macAlg));
            return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
