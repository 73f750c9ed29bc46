package org.chat21.camel;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.RestRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document at /api/openapi.json: served without a token, valid OpenAPI 3, and describing every
 * REST operation the running service registered (nothing more): path parameters, request bodies, the
 * error shape on every 4xx, the JWT scheme.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiIT {
    static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");
    static final String ERROR_REF = "#/components/schemas/Error";
    /** POSTs that read no body (replay takes only ?limit) */
    static final Set<String> NO_BODY = Set.of("replayWebhookDeadLetters");

    static ServiceHarness svc;
    static HttpResponse<String> response;
    static OpenAPI doc;

    @BeforeAll
    static void start() throws Exception {
        svc = new ServiceHarness();
        response = svc.get("/api/openapi.json", null);
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(response.body(), null, options);
        assertEquals(List.of(), parsed.getMessages(), "validation messages");
        doc = parsed.getOpenAPI();
    }

    @AfterAll
    static void stop() throws Exception {
        svc.close();
    }

    @Test
    void servedOnTheApiPortWithoutATokenAsJson() {
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                response.headers().map().toString());
        // a stale or bad token does not matter either: the document is not behind the API's authentication
        HttpResponse<String> withBadToken = svc.get("/api/openapi.json", "not-a-jwt");
        assertEquals(200, withBadToken.statusCode(), withBadToken.body());
        assertEquals(response.body(), withBadToken.body());
        // the other API paths still are
        assertEquals(401, svc.get("/api/" + svc.appId + "/getInfo", null).statusCode());
        assertNotNull(svc.main.getCamelContext().getRoute("openapi"), "the document's route, by its id");
    }

    @Test
    void describesTheApi() {
        assertTrue(doc.getOpenapi().startsWith("3."), doc.getOpenapi());
        assertEquals("Chat21 HTTP API", doc.getInfo().getTitle());
        assertEquals("0.1.0", doc.getInfo().getVersion());
        assertNotNull(doc.getInfo().getDescription());
        // relative to where the document was fetched: no bind address (0.0.0.0) or guessed port
        assertEquals("/api", doc.getServers().get(0).getUrl());
        SecurityScheme jwt = doc.getComponents().getSecuritySchemes().get("JWT");
        assertEquals(SecurityScheme.Type.APIKEY, jwt.getType());
        assertEquals(SecurityScheme.In.HEADER, jwt.getIn());
        assertEquals("Authorization", jwt.getName());
        Map<String, Object> errorShape = schemaProperties("Error");
        assertEquals(Set.of("success", "err"), errorShape.keySet());
        // nothing internal: Camel's vendor extensions (route ids, class names) and the routes' endpoints
        for (String internal : List.of("direct:", "x-camel", "x-className", "org.chat21")) {
            assertFalse(response.body().contains(internal), internal);
        }
    }

    /** Every verb and path the running CamelContext serves through the REST DSL is in the document, and only those. */
    @Test
    void documentsEveryRegisteredRestOperation() {
        List<RestRegistry.RestService> services = svc.main.getCamelContext().getRestRegistry().listAllRestServices();
        Set<String> registered = new TreeSet<>();
        for (RestRegistry.RestService service : services) {
            String path = service.getBasePath() + (service.getUriTemplate() == null ? "" : service.getUriTemplate());
            if (path.endsWith("/openapi.json")) {
                continue;
            }
            // the document's paths are relative to its server, /api (camel.rest.context-path)
            assertTrue(service.getUrl().endsWith("/api" + path), service.getUrl());
            registered.add(service.getMethod().toUpperCase() + " " + path);
        }
        assertTrue(registered.size() >= 22, registered.toString());

        Set<String> documented = new TreeSet<>();
        doc.getPaths().forEach((path, item) -> item.readOperationsMap().forEach(
                (method, op) -> documented.add(method + " " + path)));
        assertEquals(registered, documented);

        List<String> problems = new ArrayList<>();
        for (String entry : registered) {
            String method = entry.substring(0, entry.indexOf(' '));
            String path = entry.substring(entry.indexOf(' ') + 1);
            Operation op = doc.getPaths().get(path).readOperationsMap().get(PathItem.HttpMethod.valueOf(method));
            problems.addAll(problemsOf(entry, path, method, op));
        }
        assertEquals(List.of(), problems);
    }

    /** What every operation must say: checked for all of them, reported together. */
    static List<String> problemsOf(String entry, String path, String method, Operation op) {
        List<String> problems = new ArrayList<>();
        if (op.getSummary() == null || op.getSummary().isBlank()) {
            problems.add(entry + ": no summary");
        }
        if (op.getOperationId() == null || op.getOperationId().matches("(verb|route)\\d+")) {
            problems.add(entry + ": a generated operationId " + op.getOperationId());
        }
        List<Parameter> params = op.getParameters() == null ? List.of() : op.getParameters();
        Matcher m = PATH_PARAM.matcher(path);
        while (m.find()) {
            String name = m.group(1);
            boolean declared = params.stream().anyMatch(p -> "path".equals(p.getIn()) && name.equals(p.getName())
                    && Boolean.TRUE.equals(p.getRequired()) && p.getDescription() != null);
            if (!declared) {
                problems.add(entry + ": path parameter " + name + " not declared (required, with a description)");
            }
        }
        for (String query : List.of("jwt", "token")) {
            if (params.stream().noneMatch(p -> "query".equals(p.getIn()) && query.equals(p.getName()))) {
                problems.add(entry + ": no query parameter " + query);
            }
        }
        if (op.getSecurity() == null || op.getSecurity().stream().noneMatch(s -> s.containsKey("JWT"))) {
            problems.add(entry + ": no JWT security");
        }
        if ((method.equals("POST") || method.equals("PUT") || method.equals("PATCH"))
                && !NO_BODY.contains(op.getOperationId())) {
            MediaType body = op.getRequestBody() == null || op.getRequestBody().getContent() == null ? null
                    : op.getRequestBody().getContent().get("application/json");
            if (body == null || body.getSchema() == null || body.getSchema().get$ref() == null) {
                problems.add(entry + ": no JSON request body schema");
            }
        }
        boolean success = false;
        boolean unauthorized = false;
        for (Map.Entry<String, ApiResponse> response : op.getResponses().entrySet()) {
            String code = response.getKey();
            MediaType json = response.getValue().getContent() == null ? null
                    : response.getValue().getContent().get("application/json");
            String ref = json == null || json.getSchema() == null ? null : json.getSchema().get$ref();
            if (response.getValue().getDescription() == null || response.getValue().getDescription().isBlank()) {
                problems.add(entry + ": response " + code + " has no description");
            }
            if (code.startsWith("2")) {
                success = true;
                if (ref == null || ref.equals(ERROR_REF)) {
                    problems.add(entry + ": response " + code + " has no success schema");
                }
            } else if (code.startsWith("4") || code.startsWith("5")) {
                unauthorized |= code.equals("401");
                if (!ERROR_REF.equals(ref)) {
                    problems.add(entry + ": response " + code + " is not the error shape: " + ref);
                }
            } else {
                problems.add(entry + ": response " + code);
            }
        }
        if (!success || !unauthorized) {
            problems.add(entry + ": no success or no 401 response");
        }
        return problems;
    }

    /** A few operations, to the letter: the paging of the history lists, a group change, sending. */
    @Test
    void theDetailsClientsNeed() {
        Operation messages = doc.getPaths().get("/{app_id}/{user_id}/conversations/{convers_with}/messages").getGet();
        Set<String> query = new TreeSet<>();
        messages.getParameters().stream().filter(p -> "query".equals(p.getIn())).forEach(p -> query.add(p.getName()));
        assertEquals(new TreeSet<>(List.of("limit", "before", "before_id", "jwt", "token")), query);
        assertEquals("#/components/schemas/MessageList",
                messages.getResponses().get("200").getContent().get("application/json").getSchema().get$ref());

        Operation send = doc.getPaths().get("/{app_id}/messages").getPost();
        assertEquals("#/components/schemas/SendMessage",
                send.getRequestBody().getContent().get("application/json").getSchema().get$ref());
        assertEquals(List.of("sender_fullname", "recipient_id", "recipient_fullname").stream().sorted().toList(),
                doc.getComponents().getSchemas().get("SendMessage").getRequired().stream().sorted().toList());
        assertTrue(send.getParameters().stream().anyMatch(p -> "header".equals(p.getIn())
                && "Idempotency-Key".equals(p.getName())));

        Operation join = doc.getPaths().get("/{app_id}/groups/{group_id}/members").getPost();
        assertTrue(join.getResponses().containsKey("409"));
        Operation create = doc.getPaths().get("/{app_id}/groups").getPost();
        assertEquals("#/components/schemas/GroupCreated",
                create.getResponses().get("201").getContent().get("application/json").getSchema().get$ref());
    }

    /** The error shape documented is the one the API answers. */
    @Test
    void aRealRefusalHasTheDocumentedShape() {
        HttpResponse<String> refused = svc.send(HttpRequest.newBuilder(
                        URI.create(svc.base() + "/api/" + svc.appId + "/groups/nope"))
                .timeout(Duration.ofSeconds(10)).GET().build());
        assertEquals(401, refused.statusCode());
        Map<String, Object> body = org.chat21.camel.common.Json.readMap(refused.body());
        assertEquals(schemaProperties("Error").keySet(), body.keySet());
    }

    /** Behind a proxy the server is absolute, from the X-Forwarded headers. */
    @Test
    void behindAProxyTheServerIsTheProxys() {
        HttpResponse<String> proxied = svc.send(HttpRequest.newBuilder(URI.create(svc.base() + "/api/openapi.json"))
                .timeout(Duration.ofSeconds(10)).header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "chat.example.com").GET().build());
        OpenAPI seen = new OpenAPIV3Parser().readContents(proxied.body(), null, new ParseOptions()).getOpenAPI();
        assertEquals("https://chat.example.com/api", seen.getServers().get(0).getUrl());
    }

    /**
     * The document is built from the REST definitions of the moment, not once at start-up: a verb added
     * while the service runs (as a route reload does) is in the next document. Last: it adds a verb.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void followsTheRestDefinitionsOfTheMoment() throws Exception {
        assertFalse(response.body().contains("/{app_id}/probe"));
        svc.main.getCamelContext().addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                rest("/{app_id}").get("/probe").id("probe").description("added at run time").to("direct:info");
            }
        });
        OpenAPI after = new OpenAPIV3Parser().readContents(svc.get("/api/openapi.json", null).body(), null,
                new ParseOptions()).getOpenAPI();
        assertEquals("probe", after.getPaths().get("/{app_id}/probe").getGet().getOperationId());
        assertEquals(doc.getPaths().size() + 1, after.getPaths().size());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> schemaProperties(String name) {
        return (Map<String, Object>) (Map<?, ?>) doc.getComponents().getSchemas().get(name).getProperties();
    }
}
