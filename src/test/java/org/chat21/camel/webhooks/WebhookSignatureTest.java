package org.chat21.camel.webhooks;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WebhookSignatureTest {
    @Test
    void standardWebhooksTestVector() {
        // the example of the Standard Webhooks specification and its libraries' tests
        WebhookSignature signature = new WebhookSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature.standard("msg_p5jXN8AQM9LWM0D4loKWxJek",
                "1614265330", "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void chat21SignatureIsTheHexHmacOfTheBody() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), the well-known value
        assertEquals("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
                new WebhookSignature("key").sign("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void noSecretNoSignatures() {
        WebhookSignature none = new WebhookSignature("");
        assertNull(none.sign(new byte[1]));
        assertNull(none.standard("id", "1", new byte[1]));
    }

    @Test
    void aWhsecSecretMustBeBase64() {
        assertThrows(IllegalArgumentException.class, () -> new WebhookSignature("whsec_not base64!"));
    }
}
