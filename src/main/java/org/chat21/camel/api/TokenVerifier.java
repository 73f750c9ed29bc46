package org.chat21.camel.api;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies Chat21 JWTs: HS256 only (the algorithm is pinned, {@code alg: none} and every other algorithm
 * are refused), signed with the shared {@code JWT_KEY}. The HMAC is computed here rather than with
 * nimbus' MACVerifier because Chat21's default secret, {@code tokenKey}, is 8 bytes and MACVerifier
 * refuses keys shorter than 256 bits; existing Chat21 tokens must keep working.
 */
public class TokenVerifier {
    private final byte[] secret;
    private final Clock clock;
    private final long leewaySeconds;

    /** Bound in routes/beans.yaml from {@code chat21.jwt.key} and {@code chat21.jwt.leeway-seconds}. */
    public TokenVerifier(String secret, long leewaySeconds) {
        this(secret, leewaySeconds, Clock.systemUTC());
    }

    public TokenVerifier(String secret, long leewaySeconds, Clock clock) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("JWT key must not be empty");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.leewaySeconds = leewaySeconds;
        this.clock = clock;
    }

    /** Verifies the token and returns its caller; any problem is a 401. */
    public Caller verify(String token) {
        if (token == null || token.isBlank()) {
            throw ApiException.unauthorized("missing token");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token.trim());
        } catch (ParseException | RuntimeException e) {
            throw ApiException.unauthorized("malformed token");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw ApiException.unauthorized("token algorithm not accepted");
        }
        byte[] expected = hmacSha256(jwt.getSigningInput());
        byte[] actual = jwt.getSignature().decode();
        if (!MessageDigest.isEqual(expected, actual)) {
            throw ApiException.unauthorized("invalid token signature");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw ApiException.unauthorized("malformed token claims");
        }
        long now = clock.millis();
        Date exp = claims.getExpirationTime();
        if (exp != null && now > exp.getTime() + leewaySeconds * 1000) {
            throw ApiException.unauthorized("token expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now + leewaySeconds * 1000 < nbf.getTime()) {
            throw ApiException.unauthorized("token not yet valid");
        }
        String sub = stringClaim(claims, "sub");
        String appId = stringClaim(claims, "app_id");
        if (sub == null || sub.isEmpty() || appId == null || appId.isEmpty()) {
            throw ApiException.unauthorized("token lacks sub or app_id");
        }
        return new Caller(sub, appId, isAdmin(claims.getClaim("tiledesk_api_roles")));
    }

    private static String stringClaim(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        return value instanceof String s ? s : null;
    }

    /** {@code tiledesk_api_roles} is a comma-separated string; a JSON array is accepted too. */
    static boolean isAdmin(Object roles) {
        if (roles instanceof String s) {
            for (String role : s.split(",")) {
                if (role.trim().equals("admin")) {
                    return true;
                }
            }
        } else if (roles instanceof List<?> list) {
            for (Object role : list) {
                if (role instanceof String r && isAdmin(r)) {
                    return true;
                }
            }
        }
        return false;
    }

    private byte[] hmacSha256(byte[] input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(input);
        } catch (Exception e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
