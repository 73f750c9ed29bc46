package org.chat21.camel.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The {@code X-Chat21-Signature} header of a webhook POST when {@code WEBHOOK_SECRET} is set:
 * {@code sha256=<hex HMAC-SHA256 of the exact body bytes under the secret>}, as GitHub and Stripe sign theirs;
 * a receiver computes the same over the raw body and compares in constant time. Bound as {@code webhookSignature}.
 */
public class WebhookSignature {
    private final SecretKeySpec key;

    /** @param secret empty = unsigned */
    public WebhookSignature(String secret) {
        this.key = secret == null || secret.isEmpty() ? null
                : new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** The header value, or null when no secret is configured (the header is then not sent). */
    public String sign(byte[] body) {
        if (key == null) {
            return null;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
