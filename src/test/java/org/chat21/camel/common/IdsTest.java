package org.chat21.camel.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdsTest {
    @ParameterizedTest
    @ValueSource(strings = {"5f09983d20f76b0019af7190", "USER1", "bot_5f7c3e2a1b", "03-ANDREALEO", "tilechat",
            "group-6f1c2d3e-4b5a-4c3d-9e8f-0a1b2c3d4e5f", "support-group-5f09983d20f76b0019af7190-a1b2c3",
            "system", "a", "auth0|abc", "user=x"})
    void realChat21IdsPass(String id) {
        assertTrue(Ids.isValid(id), id);
        assertEquals(id, Ids.require("id", id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "a/b", "a#", "a*", "a+b", "$a", "a b", "a\tb", "a\nb", "a\u0000", "", "ü",
            "a\u007f", "apps.tilechat.users.victim"})
    void routingKeyBreakersAreRefused(String id) {
        assertFalse(Ids.isValid(id), id);
        assertEquals(400, assertThrows(ApiException.class, () -> Ids.require("recipient_id", id)).status());
    }

    @Test
    void lengthAndTypeAreChecked() {
        assertTrue(Ids.isValid("x".repeat(Ids.MAX_LENGTH)));
        assertFalse(Ids.isValid("x".repeat(Ids.MAX_LENGTH + 1)));
        assertFalse(Ids.isValid(null));
        assertEquals(400, assertThrows(ApiException.class, () -> Ids.require("id", 42)).status());
    }

    @Test
    void groupRecipientsAreRecognisedById() {
        assertTrue(Ids.isGroupRecipient("group-123"));
        assertTrue(Ids.isGroupRecipient("support-group-p-1"));
        assertFalse(Ids.isGroupRecipient("USER1"));
    }

    @Test
    void memberValuesAreOneOrTrue() {
        var json = Json.MAPPER;
        assertEquals("bob", Ids.requireMember("members", "bob", json.valueToTree(1)));
        assertEquals("bob", Ids.requireMember("members", "bob", json.valueToTree(1.0)));
        assertEquals("bob", Ids.requireMember("members", "bob", json.valueToTree(true)));
        for (Object bad : new Object[] {0, 2, 1.5, "1", false, java.util.Map.of("$gt", 1), java.util.List.of(1)}) {
            assertEquals(400, assertThrows(ApiException.class,
                    () -> Ids.requireMember("members", "bob", json.valueToTree(bad))).status(), String.valueOf(bad));
        }
        assertEquals(400, assertThrows(ApiException.class, () -> Ids.requireMember("members", "bob", null)).status());
        assertEquals(400, assertThrows(ApiException.class,
                () -> Ids.requireMember("members", "b.ob", json.valueToTree(1))).status());
    }
}
