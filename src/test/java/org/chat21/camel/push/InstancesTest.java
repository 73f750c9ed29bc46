package org.chat21.camel.push;

import org.bson.Document;
import org.chat21.camel.common.ApiException;
import org.chat21.camel.common.Caller;
import org.chat21.camel.infra.MongoStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Instance registration on a Mongo-wire stand-in: what is refused writes nothing. */
class InstancesTest {
    @RegisterExtension
    final MongoStandIn mongo = new MongoStandIn();
    final Caller alice = new Caller("alice", "app", false);

    Instances instances() {
        return new Instances(new InstanceStore(mongo.db()));
    }

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // FCM registration tokens: <instance id>:<base64url>, ~150-170 characters
            "cXd0eXVpb3A:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx-f_Y8dMmKQGtT4mG7R2Z0Qp9v1Xw3YtZ8nA6bC5dE4fG3hI2jK1lM0nO9pQ8rS7tU6vW5xY4zA3bC2dE1fG0hI9jK8lM7nO6pQ5",
            // APNs device token: 64 hex digits
            "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad",
            "a"})
    void pushTokensAreAccepted(String id) {
        instances().register(alice, "app", "alice", id, json("{\"platform\":\"ionic\"}"));
        Document stored = mongo.db().getCollection("instances").find(new Document("instance_id", id)).first();
        assertEquals("ionic", stored.get("platform"));
        assertEquals("alice", stored.get("user_id"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "a/b", "a+b", "a=", "$a", "a b", "a%2F", "ü", ""})
    void otherInstanceIdsAre400(String id) {
        assertBad(() -> instances().register(alice, "app", "alice", id, json("{\"platform\":\"ionic\"}")));
        assertBad(() -> instances().register(alice, "app", "alice", "x".repeat(513), json("{\"platform\":\"ionic\"}")));
        assertEquals(0, mongo.db().getCollection("instances").countDocuments());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{}", "{\"other\":1}", "{\"platform\":null}", "{\"platform\":5}", "[]", "null"})
    void bodiesWithoutAnInstanceAre400(String body) {
        assertBad(() -> instances().register(alice, "app", "alice", "tok", json(body)));
        assertEquals(0, mongo.db().getCollection("instances").countDocuments());
    }

    @Test
    void onlyForYourself() {
        ApiException e = assertThrows(ApiException.class,
                () -> instances().register(alice, "app", "bob", "tok", json("{\"platform\":\"ionic\"}")));
        assertEquals(403, e.status());
    }

    static void assertBad(Runnable r) {
        assertEquals(400, assertThrows(ApiException.class, r::run).status());
    }
}
