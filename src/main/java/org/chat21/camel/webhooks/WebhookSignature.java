package org.chat21.camel.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The signatures of a webhook POST when {@code WEBHOOK_SECRET} is set, over the exact body bytes sent:
 * <ul>
 * <li>{@code X-Chat21-Signature: sha256=<hex HMAC-SHA256 of the body>}, keyed by the secret's UTF-8 bytes, as
 * GitHub and Stripe sign theirs;</li>
 * <li>the Standard Webhooks headers ({@code webhook-id}, {@code webhook-timestamp},
 * {@code webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">}), so that receivers can verify
 * with the Standard Webhooks libraries: a secret of the form {@code whsec_<base64>} is keyed by the bytes the
 * base64 stands for, as those libraries take it; any other secret by its UTF-8 bytes (the libraries' raw-key
 * form).</li>
 * </ul>
 * A receiver computes the same and compares in constant time. Bound as {@code webhookSignature}.
 */
public class WebhookSignature {
    static final String STANDARD_PREFIX = "whsec_";
    private final SecretKeySpec key;
    private final SecretKeySpec standardKey;

    /** @param secret empty = unsigned */
    public WebhookSignature(String secret) {
        if (secret == null || secret.isEmpty()) {
            key = null;
            standardKey = null;
            return;
        }
        key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        byte[] standard;
        if (secret.startsWith(STANDARD_PREFIX)) {
            try {
                standard = Base64.getDecoder().decode(secret.substring(STANDARD_PREFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("WEBHOOK_SECRET: a whsec_ secret must be base64 after the prefix");
            }
        } else {
            standard = secret.getBytes(StandardCharsets.UTF_8);
        }
        standardKey = new SecretKeySpec(standard, "HmacSHA256");
    }

    /** The X-Chat21-Signature header value, or null when no secret is configured (the header is then not sent). */
    public String sign(byte[] body) {
        return key == null ? null : "sha256=" + HexFormat.of().formatHex(hmac(key, body));
    }

    /**
     * The Standard Webhooks {@code webhook-signature} value ({@code v1,<base64>}), or null without a secret.
     *
     * @param timestamp the {@code webhook-timestamp} sent with it: seconds since the epoch
     */
    public String standard(String id, String timestamp, byte[] body) {
        if (standardKey == null) {
            return null;
        }
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return "v1," + Base64.getEncoder().encodeToString(hmac(standardKey, signed));
    }

    /** The {@code webhook-timestamp} of a POST sent now: seconds since the epoch. */
    public String timestamp() {
        return Long.toString(System.currentTimeMillis() / 1000);
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
