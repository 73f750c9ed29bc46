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
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies Chat21 JWTs: HS256 only (the algorithm is pinned, {@code alg: none} and every other algorithm
 * are refused), signed with the shared {@code JWT_KEY}. The HMAC is computed here rather than with
 * nimbus' MACVerifier because Chat21's default secret, {@code tokenKey}, is 8 bytes and MACVerifier
 * refuses keys shorter than 256 bits; existing Chat21 tokens must keep working.
 *
 * <p>A client sends the same token with every request, so a token whose signature and claims checked out
 * is remembered (the exact string, up to {@value #REMEMBERED} of them) with what it said: the next request
 * with it skips parsing and the HMAC, and only its validity in time is checked again. Tokens that fail are
 * never remembered, so garbage cannot fill the memory.
 */
public class TokenVerifier {
    static final int REMEMBERED = 10_000;

    /** What a verified token says: its caller, and when it is valid (ms since epoch, leeway included). */
    private record Verified(Caller caller, long notBefore, long expires) {
    }

    private final Clock clock;
    private final long leewaySeconds;
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();
    private final ThreadLocal<Mac> macs;

    /** Bound in routes/beans.yaml from {@code chat21.jwt.key} and {@code chat21.jwt.leeway-seconds}. */
    public TokenVerifier(String secret, long leewaySeconds) {
        this(secret, leewaySeconds, Clock.systemUTC());
    }

    public TokenVerifier(String secret, long leewaySeconds, Clock clock) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("JWT key must not be empty");
        }
        this.leewaySeconds = leewaySeconds;
        this.clock = clock;
        SecretKeySpec key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (Exception e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        });
    }

    /**
     * An HS256 token of these claims (a JSON object), signed with this key: the service's own tokens (the
     * start-up warm-up's users, operations.Warmup).
     */
    public String sign(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String input = header + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        return input + "." + b64.encodeToString(macs.get().doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Verifies the token and returns its caller; any problem is a 401. */
    public Caller verify(String token) {
        if (token == null || token.isBlank()) {
            throw ApiException.unauthorized("missing token");
        }
        String compact = token.trim();
        Verified known = verified.get(compact);
        if (known == null) {
            known = check(compact);
            if (verified.size() >= REMEMBERED) {
                verified.clear();
            }
            verified.put(compact, known);
        }
        long now = clock.millis();
        if (now > known.expires()) {
            throw ApiException.unauthorized("token expired");
        }
        if (now < known.notBefore()) {
            throw ApiException.unauthorized("token not yet valid");
        }
        return known.caller();
    }

    /** How many verified tokens are remembered now. */
    int remembered() {
        return verified.size();
    }

    /** Signature, algorithm and claims of a token not seen before; its times are checked by the caller. */
    private Verified check(String token) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
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
        long leeway = leewaySeconds * 1000;
        Date exp = claims.getExpirationTime();
        Date nbf = claims.getNotBeforeTime();
        // the raw JSON types: nimbus turns a numeric sub into a string, and a user must not be "123" by accident
        Map<String, Object> raw = jwt.getPayload().toJSONObject();
        String sub = raw.get("sub") instanceof String s ? s : null;
        String appId = raw.get("app_id") instanceof String s ? s : null;
        if (sub == null || sub.isEmpty() || appId == null || appId.isEmpty()) {
            throw ApiException.unauthorized("token lacks sub or app_id, or they are not strings");
        }
        Object roles = raw.get("tiledesk_api_roles");
        if (!validRoles(roles)) {
            throw ApiException.unauthorized("token tiledesk_api_roles must be a string or a list of strings");
        }
        return new Verified(new Caller(sub, appId, isAdmin(roles)),
                nbf == null ? Long.MIN_VALUE : nbf.getTime() - leeway,
                exp == null ? Long.MAX_VALUE : exp.getTime() + leeway);
    }

    /** Absent, a string, or a list of strings: what Chat21 issues. */
    static boolean validRoles(Object roles) {
        return roles == null || roles instanceof String
                || roles instanceof List<?> list && list.stream().allMatch(String.class::isInstance);
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
        return macs.get().doFinal(input);
    }
}
