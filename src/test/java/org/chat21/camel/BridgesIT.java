package org.chat21.camel;

import org.chat21.camel.HookReceiver.Hit;
import org.chat21.camel.HookReceiver.Reply;
import org.chat21.camel.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.chat21.camel.ServiceHarness.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped bridges (routes/bridges.yaml), instantiated from a YAML file as an operator would, against
 * loopback stand-ins of Telegram's Bot API (getUpdates, sendMessage), Slack's incoming webhook and Web API
 * (conversations.list, conversations.history) and a generic HTTP receiver, in both directions: what is
 * sent in Chat21 arrives there, what is written there arrives in Chat21 through the send pipeline (stored,
 * delivered, in history), once, and never comes back out where it came in.
 */
@RequiresRabbitMQ
class BridgesIT {
    static final String TOKEN = "123456:TEST-token";
    static final String CHAT = "-100777";
    static final String SLACK_CHANNEL = "general";
    static final String SECRET = "bridge-" + UUID.randomUUID();

    static HookReceiver apis;
    static ServiceHarness svc;
    static String app;
    static String run;
    static Path routes;
    static String tg;
    static String slack;
    static String http;
    static String down;
    /** an outbound bridge with a step of the operator's own between its source and sink */
    static String steps;
    static volatile boolean downIsDown = true;
    static String tgGroup;
    static String httpGroup;

    /** Telegram updates the stand-in hands out (getUpdates with offset: those with update_id >= offset). */
    static final List<Map<String, Object>> updates = new CopyOnWriteArrayList<>();
    static final AtomicLong updateIds = new AtomicLong(1000);
    /** Slack history, oldest first. */
    static final List<Map<String, Object>> slackHistory = new CopyOnWriteArrayList<>();
    /** Slack message times (seconds, as Slack's ts): from a minute ago on */
    static final AtomicLong slackTs = new AtomicLong(System.currentTimeMillis() / 1000 - 60);

    @BeforeAll
    static void start() throws Exception {
        run = UUID.randomUUID().toString().substring(0, 8);
        tg = "tg" + run;
        slack = "sl" + run;
        http = "ht" + run;
        down = "dl" + run;
        steps = "os" + run;
        tgGroup = "group-tg" + run;
        httpGroup = "group-ht" + run;
        apis = new HookReceiver();
        apis.respond("/bot" + TOKEN + "/getUpdates", BridgesIT::getUpdates);
        apis.respond("/bot" + TOKEN + "/sendMessage", hit -> new Reply(200, Json.write(Map.of("ok", true,
                "result", Map.of("message_id", 1, "date", 1_700_000_000, "chat", Map.of("id", CHAT, "type", "group"),
                        "text", String.valueOf(hit.json().get("text")))))));
        apis.respond("/slack/hook", hit -> new Reply(200, "ok"));
        apis.behave("/http/down", n -> downIsDown ? 503 : 200);
        apis.behave("/http/steps", n -> 200);
        apis.respond("/api/conversations.list", hit -> new Reply(200, Json.write(Map.of("ok", true,
                "channels", List.of(Map.of("id", "C0TEST", "name", SLACK_CHANNEL)),
                "response_metadata", Map.of("next_cursor", "")))));
        apis.respond("/api/conversations.history", BridgesIT::slackHistory);

        // camel-slack's first poll reads the channel's latest message, to start from there: one of a mapped
        // user, written before the bridge started, which must not come in
        slackHistory.add(slackMessage("U777", "before the bridge started", null));
        svc = startService();
        app = svc.appId;
    }

    static ServiceHarness startService() throws Exception {
        String base = apis.url("");
        String file = """
                - route:
                    id: %1$s-out
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: %1$s, appId: %4$s, conversation: %5$s}
                      steps:
                        - to:
                            uri: kamelet:telegram-bridge-sink
                            parameters: {botToken: "%6$s", chatId: "%7$s", baseUri: "%8$s"}
                - route:
                    id: %1$s-in
                    from:
                      uri: kamelet:telegram-bridge-source
                      parameters: {botToken: "%6$s", chatId: "%7$s", baseUri: "%8$s", pollSeconds: 0}
                      steps:
                        # the operator's own step: cannot reach its service on a "flaky" message's first two tries
                        - bean: {beanType: "org.chat21.camel.BridgesIT$FlakyStep", method: "call(${variable.text})"}
                        - to:
                            uri: kamelet:chat21-bridge-sink
                            parameters:
                              bridgeId: %1$s
                              appId: %4$s
                              conversation: %5$s
                              conversationName: Telegram group
                              users: 4242=tessa/Tessa Telegram
                - route:
                    id: %2$s-out
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: %2$s, appId: %4$s, kind: user, conversation: carol}
                      steps:
                        - to:
                            uri: kamelet:slack-bridge-sink
                            parameters: {webhookUrl: "%8$s/slack/hook", channel: general}
                - route:
                    id: %2$s-in
                    from:
                      uri: kamelet:slack-bridge-source
                      parameters: {token: xoxb-test, channel: general, serverUrl: "%8$s", pollMs: 200}
                      steps:
                        - to:
                            uri: kamelet:chat21-bridge-sink
                            parameters:
                              bridgeId: %2$s
                              appId: %4$s
                              kind: user
                              conversation: carol
                              conversationName: Carol Name
                              users: U777=erin/Erin Slack
                              unmapped: drop
                - route:
                    id: %3$s-out
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: %3$s, appId: %4$s, conversation: %9$s}
                      steps:
                        - to:
                            uri: kamelet:http-bridge-sink
                            parameters: {url: "%8$s/http/out", authorization: Bearer to-them}
                - route:
                    id: %3$s-in
                    from:
                      uri: kamelet:http-bridge-source
                      parameters:
                        bridgeId: %3$s
                        appId: %4$s
                        conversation: %9$s
                        conversationName: HTTP group
                        secret: "%10$s"
                      steps:
                        # a route needs a step: the answer to the request, for the log
                        - log: {loggingLevel: DEBUG, message: "${body}"}
                - route:
                    id: %11$s-out
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: %11$s, appId: %4$s, conversation: group-%11$s}
                      steps:
                        - to:
                            uri: kamelet:http-bridge-sink
                            parameters: {url: "%8$s/http/down"}
                - route:
                    id: %12$s-out
                    from:
                      uri: kamelet:chat21-bridge-source
                      parameters: {bridgeId: %12$s, appId: %4$s, conversation: group-%12$s}
                      steps:
                        # the operator's own step: fails a message's first two attempts, a poison one's every
                        - filter:
                            simple: "${variable.attempt} < 3 || ${body[text]} == 'poison'"
                            steps:
                              - throwException: {exceptionType: java.lang.IllegalStateException, message: operator step failed}
                        - to:
                            uri: kamelet:http-bridge-sink
                            parameters: {url: "%8$s/http/steps"}
                """.formatted(tg, slack, http, "app" + run, tgGroup, TOKEN, CHAT, base, httpGroup, SECRET, down, steps);
        routes = Files.createTempDirectory("bridges-it");
        Files.writeString(routes.resolve("my-bridges.yaml"), file);
        Map<String, String> extra = new HashMap<>();
        extra.put("camel.main.routes-include-pattern", "file:routes/*.yaml,file:" + routes.resolve("my-bridges.yaml"));
        extra.put("chat21.webhooks.exchange", "it." + run + ".webhooks");
        extra.put("chat21.webhooks.queue-prefix", "it." + run + ".webhooks");
        extra.put("chat21.bridges.queue-prefix", "it." + run + ".bridges");
        extra.put("chat21.bridges.retry-schedule", "100ms,200ms,400ms");
        return ServiceHarness.ofRun(extra, run);
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
        apis.close();
        try (ServiceHarness.Subscriber admin = new ServiceHarness.Subscriber()) {
            for (String bridge : List.of(tg, slack, http, down, steps)) {
                for (int p = 0; p < 16; p++) {
                    admin.channel.queueDelete("it." + run + ".bridges." + bridge + "." + p);
                }
            }
            for (String stage : List.of("100ms", "200ms", "400ms")) {
                admin.channel.queueDelete("it." + run + ".bridges.retry." + stage);
            }
            admin.channel.exchangeDelete("it." + run + ".bridges.retry");
            admin.channel.exchangeDelete("it." + run + ".bridges.retry.redeliver");
        }
        Files.deleteIfExists(routes.resolve("my-bridges.yaml"));
        Files.deleteIfExists(routes);
    }

    // --- stand-ins -----------------------------------------------------------------------------------------

    static Reply getUpdates(Hit hit) {
        long offset = Long.parseLong(query(hit.query()).getOrDefault("offset", "0"));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> update : updates) {
            if (((Number) update.get("update_id")).longValue() >= offset) {
                out.add(update);
            }
        }
        return new Reply(200, Json.write(Map.of("ok", true, "result", out)));
    }

    static void telegramSays(String chat, long fromId, String first, String last, String text, long messageId) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("message_id", messageId);
        message.put("date", 1_700_000_000);
        Map<String, Object> from = new LinkedHashMap<>(Map.of("id", fromId, "is_bot", false, "first_name", first));
        if (last != null) {
            from.put("last_name", last);
        }
        message.put("from", from);
        message.put("chat", Map.of("id", chat, "type", "supergroup", "title", "Team"));
        message.put("text", text);
        updates.add(Map.of("update_id", updateIds.incrementAndGet(), "message", message));
    }

    static Reply slackHistory(Hit hit) {
        Map<String, String> form = query(new String(hit.raw(), StandardCharsets.UTF_8));
        String oldest = form.get("oldest");
        List<Map<String, Object>> newestFirst = new ArrayList<>();
        for (Map<String, Object> m : slackHistory) {
            if (oldest == null || Double.parseDouble((String) m.get("ts")) > Double.parseDouble(oldest)) {
                newestFirst.add(0, m);
            }
        }
        int limit = Integer.parseInt(form.getOrDefault("limit", "100"));
        return new Reply(200, Json.write(Map.of("ok", true, "has_more", false,
                "messages", newestFirst.subList(0, Math.min(limit, newestFirst.size())))));
    }

    static Map<String, Object> slackMessage(String user, String text, String botId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "message");
        m.put("text", text);
        m.put("ts", slackTs.incrementAndGet() + ".000100");
        if (botId != null) {
            m.put("subtype", "bot_message");
            m.put("bot_id", botId);
        } else {
            m.put("user", user);
        }
        return m;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    // --- helpers -------------------------------------------------------------------------------------------

    static void createGroup(String id, String owner, String... members) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(owner, 1);
        for (String member : members) {
            m.put(member, 1);
        }
        HttpResponse<String> r = svc.post("/api/" + app + "/groups", svc.user(owner),
                Json.write(Map.of("group_id", id, "group_name", "Team " + id, "group_members", m)));
        assertEquals(201, r.statusCode(), r.body());
    }

    static HttpResponse<String> sendToGroup(String from, String group, String text) {
        HttpResponse<String> r = svc.post("/api/" + app + "/messages", svc.user(from), Json.write(Map.of(
                "sender_fullname", from + " Name", "recipient_id", group, "recipient_fullname", "Team",
                "channel_type", "group", "text", text)));
        assertEquals(200, r.statusCode(), r.body());
        return r;
    }

    /** The messages of {@code user}'s conversation with {@code with}, as the history API answers them. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> history(String user, String with) {
        HttpResponse<String> r = svc.get("/api/" + app + "/" + user + "/conversations/" + with + "/messages", svc.user(user));
        assertEquals(200, r.statusCode(), r.body());
        return (List<Map<String, Object>>) Json.readMap(r.body()).get("result");
    }

    static List<Map<String, Object>> withText(List<Map<String, Object>> messages, String text) {
        return messages.stream().filter(m -> text.equals(m.get("text"))).toList();
    }

    static List<Hit> sent(String path, String key, String value) {
        return apis.at(path, h -> value.equals(h.json().get(key)));
    }

    static Map<?, ?> attributes(Map<String, Object> message) {
        return (Map<?, ?>) message.get("attributes");
    }

    /** The operator's own step in the Telegram route: cannot reach its service on a "flaky" message's first two tries. */
    public static class FlakyStep {
        static final Map<String, java.util.concurrent.atomic.AtomicInteger> CALLS = new java.util.concurrent.ConcurrentHashMap<>();

        public void call(String text) throws java.net.ConnectException {
            if (text != null && text.startsWith("flaky")
                    && CALLS.computeIfAbsent(text, t -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet() <= 2) {
                throw new java.net.ConnectException("test: the operator's service cannot be reached");
            }
        }
    }

    // --- Telegram ------------------------------------------------------------------------------------------

    @Test
    void telegramBothWays() throws Exception {
        createGroup(tgGroup, "alice", "bob");
        String sendMessage = "/bot" + TOKEN + "/sendMessage";

        // out: a message of the group arrives in the chat as "<name>: <text>"; another group's does not
        sendToGroup("alice", tgGroup, "hello telegram");
        String other = "group-other" + run;
        createGroup(other, "alice", "bob");
        sendToGroup("alice", other, "not for telegram");
        waitUntil(() -> sent(sendMessage, "text", "alice Name: hello telegram").size() == 1, 10_000,
                "the group's message did not reach Telegram");
        assertEquals(CHAT, String.valueOf(sent(sendMessage, "text", "alice Name: hello telegram").get(0).json().get("chat_id")));

        // in: a chat message enters the group as its mapped user's (stored, delivered to members, in history);
        // an unmapped user gets telegram-<id>; another chat of the bot is ignored; a repeated update is
        // accepted once
        telegramSays(CHAT, 4242, "Tessa", "T.", "from telegram", 1);
        telegramSays("-999", 4242, "Tessa", "T.", "from another chat", 2);
        telegramSays(CHAT, 5151, "Umberto", null, "from an unmapped user", 3);
        telegramSays(CHAT, 4242, "Tessa", "T.", "from telegram", 1);
        waitUntil(() -> withText(history("bob", tgGroup), "from an unmapped user").size() == 1, 10_000,
                "Telegram messages did not arrive in the group");
        List<Map<String, Object>> inGroup = withText(history("bob", tgGroup), "from telegram");
        assertEquals(1, inGroup.size(), "a repeated update must be accepted once: " + inGroup);
        Map<String, Object> tessa = inGroup.get(0);
        assertEquals("tessa", tessa.get("sender"));
        assertEquals("Tessa Telegram", tessa.get("sender_fullname"));
        assertEquals("group", tessa.get("channel_type"));
        assertEquals(tg, attributes(tessa).get("bridge"));
        assertEquals("4242", attributes(tessa).get("bridge_user"));
        Map<String, Object> umberto = withText(history("alice", tgGroup), "from an unmapped user").get(0);
        assertEquals("telegram-5151", umberto.get("sender"));
        assertEquals("Umberto", umberto.get("sender_fullname"));
        assertTrue(withText(history("bob", tgGroup), "from another chat").isEmpty());

        // the operator's step failing to reach its service: tried again while the poller waits, nothing lost
        // (routes/policies.yaml, variable polledBridge)
        telegramSays(CHAT, 4242, "Tessa", "T.", "flaky in", 4);
        waitUntil(() -> withText(history("bob", tgGroup), "flaky in").size() == 1, 15_000,
                "the message whose operator step failed twice did not arrive");
        assertEquals(3, FlakyStep.CALLS.get("flaky in").get(), "two failed tries, then through");

        // no loop: what came in is not sent back out (a message sent after it arrives, nothing before it)
        sendToGroup("bob", tgGroup, "after the inbound ones");
        waitUntil(() -> sent(sendMessage, "text", "bob Name: after the inbound ones").size() == 1, 10_000,
                "the later message did not reach Telegram");
        List<Object> texts = apis.at(sendMessage, h -> true).stream().map(h -> h.json().get("text")).toList();
        assertEquals(List.of("alice Name: hello telegram", "bob Name: after the inbound ones"), texts);
    }

    // --- Slack ---------------------------------------------------------------------------------------------

    @Test
    void slackBothWaysForAUsersDirectConversations() throws Exception {
        // out (kind user): what carol receives and what she sends in direct conversations goes to the channel
        assertEquals(200, svc.sendText("dave", "carol", "hi carol").statusCode());
        assertEquals(200, svc.sendText("carol", "dave", "hi dave").statusCode());
        waitUntil(() -> sent("/slack/hook", "text", "carol Name: hi dave").size() == 1, 10_000,
                "carol's messages did not reach Slack");
        assertEquals(1, sent("/slack/hook", "text", "dave Name: hi carol").size());
        assertEquals("Chat21", sent("/slack/hook", "text", "dave Name: hi carol").get(0).json().get("username"));

        // in: a channel message of a mapped user is a direct message to carol; a bot's post (the webhook's own
        // among them) and an unmapped user's (unmapped: drop) are not
        slackTs.set(Math.max(slackTs.get(), System.currentTimeMillis() / 1000));
        slackHistory.add(slackMessage(null, "dave Name: hi carol", "B0WEBHOOK"));
        slackHistory.add(slackMessage("U999", "from a stranger", null));
        slackHistory.add(slackMessage("U777", "hello from slack", null));
        waitUntil(() -> withText(history("carol", "erin"), "hello from slack").size() == 1, 10_000,
                "the Slack message did not reach carol");
        Map<String, Object> erin = withText(history("carol", "erin"), "hello from slack").get(0);
        assertEquals("erin", erin.get("sender"));
        assertEquals("Erin Slack", erin.get("sender_fullname"));
        assertEquals("carol", erin.get("recipient"));
        assertEquals("direct", erin.get("channel_type"));
        assertEquals(slack, attributes(erin).get("bridge"));
        assertTrue(svc.db.getCollection("messages").countDocuments(
                new org.bson.Document("text", "from a stranger").append("app_id", app)) == 0);
        assertTrue(svc.db.getCollection("messages").countDocuments(
                new org.bson.Document("text", "before the bridge started").append("app_id", app)) == 0);

        // no loop: erin's message is not posted back to Slack
        assertEquals(200, svc.sendText("carol", "erin", "thanks erin").statusCode());
        waitUntil(() -> sent("/slack/hook", "text", "carol Name: thanks erin").size() == 1, 10_000,
                "the reply did not reach Slack");
        assertTrue(sent("/slack/hook", "text", "Erin Slack: hello from slack").isEmpty());
    }

    // --- generic HTTP --------------------------------------------------------------------------------------

    HttpResponse<String> postIn(String authorization, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(svc.base() + "/api/bridges/" + http + "/messages"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return svc.send(b.build());
    }

    @Test
    void httpBothWays() throws Exception {
        createGroup(httpGroup, "frank", "gina");

        // out: the message as JSON, with the configured Authorization and the mark that tells an echo
        sendToGroup("frank", httpGroup, "hello http");
        waitUntil(() -> sent("/http/out", "text", "hello http").size() == 1, 10_000, "the message was not POSTed");
        Hit out = sent("/http/out", "text", "hello http").get(0);
        assertEquals("Bearer to-them", out.header("Authorization"));
        assertEquals("frank", out.json().get("sender"));
        assertEquals("frank Name", out.json().get("sender_fullname"));
        assertEquals(httpGroup, out.json().get("conversation"));
        assertEquals(app, out.json().get("app_id"));
        assertEquals(Map.of("bridge", http), out.json().get("chat21"));
        assertNotNull(out.header("X-Chat21-Event-Id"));

        // in: the secret first (401, nothing written), then the body (400)
        String body = Json.write(Map.of("user_id", "ext-1", "user_name", "Hal External", "text", "from http", "id", "m-1"));
        assertEquals(401, postIn(null, body).statusCode());
        HttpResponse<String> wrong = postIn("Bearer nope", body);
        assertEquals(401, wrong.statusCode());
        assertEquals(false, Json.readMap(wrong.body()).get("success"));
        assertEquals(400, postIn("Bearer " + SECRET, "{\"user_id\": 5, \"text\": \"x\"}").statusCode());
        assertEquals(400, postIn("Bearer " + SECRET, "not json").statusCode());
        assertEquals(0, svc.db.getCollection("messages").countDocuments(new org.bson.Document("app_id", app)
                .append("attributes.bridge", http)));

        // accepted, and a retry of the same id answers the same message, stored once
        HttpResponse<String> first = postIn("Bearer " + SECRET, body);
        assertEquals(200, first.statusCode(), first.body());
        HttpResponse<String> again = postIn("Bearer " + SECRET, body);
        assertEquals(200, again.statusCode(), again.body());
        Object id = ((Map<?, ?>) Json.readMap(first.body()).get("result")).get("message_id");
        assertEquals(id, ((Map<?, ?>) Json.readMap(again.body()).get("result")).get("message_id"));
        waitUntil(() -> withText(history("gina", httpGroup), "from http").size() == 1, 10_000,
                "the posted message did not reach the group");
        Map<String, Object> hal = withText(history("gina", httpGroup), "from http").get(0);
        assertEquals("http-ext-1", hal.get("sender"));
        assertEquals("Hal External", hal.get("sender_fullname"));

        // an echo of what this bridge POSTed out is ignored
        Map<String, Object> echo = new LinkedHashMap<>(out.json());
        echo.put("user_id", "ext-1");
        HttpResponse<String> ignored = postIn("Bearer " + SECRET, Json.write(echo));
        assertEquals(200, ignored.statusCode(), ignored.body());

        // no loop: the inbound message is not POSTed back out
        sendToGroup("gina", httpGroup, "after the inbound one");
        waitUntil(() -> sent("/http/out", "text", "after the inbound one").size() == 1, 10_000, "not POSTed");
        assertEquals(List.of("hello http", "after the inbound one"),
                apis.at("/http/out", h -> true).stream().map(h -> h.json().get("text")).toList());
        assertEquals(1, withText(history("gina", httpGroup), "hello http").size(), "the echo must not be stored");
    }

    // --- a dead other side -----------------------------------------------------------------------------------

    @Test
    void whatADeadSideRefusedIsInTheDeadLetterStoreAndReplayed() throws Exception {
        String group = "group-" + down;
        createGroup(group, "ivan", "judy");
        sendToGroup("ivan", group, "while it is down");
        // tried 1 + 3 times, then kept for an admin
        waitUntil(() -> svc.db.getCollection("webhook_dead_letters").countDocuments(
                downQueue()) == 1, 15_000,
                "the refused message is not in the dead-letter store");
        assertEquals(4, apis.at("/http/down", h -> "while it is down".equals(h.json().get("text"))).size());

        downIsDown = false;
        String admin = TestTokens.admin("ops", app);
        HttpResponse<String> replayed = svc.post("/api/" + app + "/webhooks/dead-letters/replay", admin, "");
        assertEquals(200, replayed.statusCode(), replayed.body());
        assertEquals(1, ((Number) Json.readMap(replayed.body()).get("result")).intValue());
        waitUntil(() -> apis.at("/http/down", h -> "while it is down".equals(h.json().get("text"))).size() == 5,
                10_000, "the replayed message did not arrive");
        assertEquals(0, svc.db.getCollection("webhook_dead_letters").countDocuments(downQueue()));
    }

    /**
     * A failure of the operator's own step between the source and the sink is the bridge's (bridges.OperatorRoutes):
     * tried again from the retry stages, the conversation's order kept; dead-lettered after the last attempt.
     */
    @Test
    void aFailingStepOfTheOperatorsIsRetriedThenDeadLettered() throws Exception {
        String group = "group-" + steps;
        createGroup(group, "olga", "oscar");
        sendToGroup("olga", group, "flaky");
        sendToGroup("olga", group, "poison");
        sendToGroup("olga", group, "after");
        waitUntil(() -> apis.at("/http/steps", h -> "after".equals(h.json().get("text"))).size() == 1, 20_000,
                "the message after the poison one did not go out");
        // the flaky one went out once, at its third attempt, before the others (its conversation's order)
        List<String> texts = apis.at("/http/steps", h -> true).stream().map(h -> String.valueOf(h.json().get("text"))).toList();
        assertEquals(List.of("flaky", "after"), texts);
        org.bson.conversions.Bson queue = com.mongodb.client.model.Filters.regex("queue",
                "^it\\." + run + "\\.bridges\\." + steps + "\\.\\d+$");
        waitUntil(() -> svc.db.getCollection("webhook_dead_letters").countDocuments(queue) == 1, 10_000,
                "the poison message is not in the dead-letter store");
        org.bson.Document letter = svc.db.getCollection("webhook_dead_letters").find(queue).first();
        assertEquals("bridge:" + steps, letter.get("endpoint"), letter.toJson());
        String event = new String(letter.get("event", org.bson.types.Binary.class).getData(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(event.contains("\"poison\""), event);
        // the app's dead letters are replayed together (whatADeadSideRefused...): not this one
        svc.db.getCollection("webhook_dead_letters").deleteMany(queue);
    }

    /** The dead bridge's partition queues (the message's conversation is in one of them). */
    static org.bson.conversions.Bson downQueue() {
        return com.mongodb.client.model.Filters.regex("queue", "^it\\." + run + "\\.bridges\\." + down + "\\.\\d+$");
    }
}
