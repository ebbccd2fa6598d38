package omni.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import omni.cluster.HazelcastPartitioning;
import omni.config.Setting;
import omni.config.Settings;
import omni.ledger.EmbeddedStore;
import omni.ledger.Engine;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/** The gateway's infrastructure through real HTTP: health, metrics, OpenAPI, auth, tokens, problem+json, 413. */
@ServerTest
class GatewayTest {
    private static Path dataDir;
    private static Gateway gateway;

    private final URI base;

    GatewayTest(URI base) {
        this.base = base;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) throws Exception {
        dataDir = Files.createTempDirectory("omni-gateway-test");
        Settings settings = Settings.of(Map.of(Setting.DATA_DIR, dataDir.toString()));
        // The engine is not started: the node answers only GET /api/v1/node from the ledger here.
        EmbeddedStore store = new EmbeddedStore(dataDir);
        Engine engine = new Engine(store, "omni", HazelcastPartitioning::partitionOf);
        gateway = Gateway.builder(settings)
                .api(new TestApiService(1), new NodeService(TestLedgers.of(engine, store, dataDir)))
                .build();
        gateway.configure(server);
    }

    private String admin() throws IOException {
        return Http.adminToken(dataDir);
    }

    private static void assertProblem(HttpResponse<String> r, int status, String title) throws IOException {
        assertThat(r.body(), r.statusCode(), is(status));
        assertThat(r.headers().firstValue("Content-Type").orElse(""), is("application/problem+json"));
        JsonNode p = Http.json(r);
        assertThat(p.get("status").asInt(), is(status));
        assertThat(p.get("title").asText(), is(title));
        assertThat(p.get("type").asText(), startsWith("urn:omni:problem:"));
        assertThat(p.has("detail"), is(true));
    }

    @Test
    void healthLiveAndReady() throws Exception {
        HttpResponse<String> live = Http.get(base, "/health/live", null);
        assertThat(live.statusCode(), is(200));
        HttpResponse<String> ready = Http.get(base, "/health/ready", null);
        assertThat(ready.statusCode(), is(200));
        assertThat(Http.json(ready).get("status").asText(), is("UP"));
    }

    @Test
    void metricsArePrometheusTextWithBuildInfoAndJvmMeters() throws Exception {
        HttpResponse<String> r = Http.get(base, "/metrics", null);
        assertThat(r.statusCode(), is(200));
        assertThat(r.headers().firstValue("Content-Type").orElse(""), startsWith("text/plain"));
        assertThat(r.body(), containsString("# TYPE omni_build_info gauge"));
        assertThat(r.body(), containsString("omni_build_info{"));
        assertThat(r.body(), containsString("jvm_memory_used_bytes"));
    }

    @Test
    void openApiInYamlAndJson() throws Exception {
        HttpResponse<String> yaml = Http.get(base, "/openapi", null);
        assertThat(yaml.statusCode(), is(200));
        assertThat(yaml.body(), startsWith("openapi: 3.1.0"));
        HttpResponse<String> json = Http.call(base, "GET", "/openapi", null, null, null);
        assertThat(json.body(), containsString("/api/v1/node"));
        HttpResponse<String> asJson = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(base.resolve("/openapi")).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(Http.json(asJson).get("openapi").asText(), is("3.1.0"));
    }

    @Test
    void missingTokenIs401Problem() throws Exception {
        HttpResponse<String> r = Http.get(base, "/api/v1/node", null);
        assertProblem(r, 401, "Token required");
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""), startsWith("Bearer"));
        // Unknown API paths also need a token first: an anonymous client learns nothing about routes.
        assertProblem(Http.get(base, "/api/v1/no-such-thing", null), 401, "Token required");
    }

    @Test
    void wrongTokenIs401Problem() throws Exception {
        assertProblem(Http.get(base, "/api/v1/node", "not-the-token-at-all"), 401, "Invalid token");
        assertProblem(Http.get(base, "/api/v1/node", admin() + "x"), 401, "Invalid token");
    }

    @Test
    void adminTokenFileIsOwnerOnlyAndWorks() throws Exception {
        Path file = dataDir.resolve(TokenStore.ADMIN_TOKEN_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), is("rw-------"));
        HttpResponse<String> r = Http.get(base, "/api/v1/node", admin());
        assertThat(r.statusCode(), is(200));
        JsonNode node = Http.json(r);
        assertThat(node.get("ledger").asText(), is("omni"));
        assertThat(node.get("storage").get("production").asBoolean(), is(false));
        assertThat(node.get("nodeId").asText(), containsString(":"));
        JsonNode who = Http.json(Http.get(base, "/api/v1/test/whoami", admin()));
        assertThat(who.get("admin").asBoolean(), is(true));
    }

    @Test
    void clientTokenLifecycle() throws Exception {
        HttpResponse<String> created = Http.call(base, "POST", "/api/v1/tokens", admin(), null, null);
        assertThat(created.body(), created.statusCode(), is(201));
        String token = Http.json(created).get("token").asText();
        String id = Http.json(created).get("id").asText();
        // the file holds only hashes
        assertThat(Files.readString(dataDir.resolve(TokenStore.CLIENT_TOKENS_FILE)), not(containsString(token)));

        JsonNode who = Http.json(Http.get(base, "/api/v1/test/whoami", token));
        assertThat(who.get("admin").asBoolean(), is(false));
        assertThat(who.get("tokenId").asText(), is(id));
        assertProblem(Http.call(base, "POST", "/api/v1/tokens", token, null, null), 403, "Admin token required");
        assertThat(Http.get(base, "/api/v1/tokens", admin()).body(), containsString(id));

        assertThat(Http.call(base, "DELETE", "/api/v1/tokens/" + id, admin(), null, null).statusCode(), is(204));
        assertProblem(Http.get(base, "/api/v1/test/whoami", token), 401, "Invalid token");
        assertProblem(Http.call(base, "DELETE", "/api/v1/tokens/" + id, admin(), null, null), 404, "Unknown token");
    }

    @Test
    void clientTokensSurviveARestartOfTheStore() throws Exception {
        TokenStore.Created created = gateway.tokens().create();
        TokenStore reopened = TokenStore.open(dataDir, "");
        assertThat(reopened.authenticate(created.token()).tokenId(), is(created.id()));
        assertThat(reopened.authenticate(admin()).isAdmin(), is(true));
        assertThat(reopened.authenticate("nope-nope-nope-nope") == null, is(true));
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405Problem() throws Exception {
        assertProblem(Http.get(base, "/no-such-page", null), 404, "Not Found");
        assertProblem(Http.get(base, "/api/v1/no-such-thing", admin()), 404, "Not Found");
        HttpResponse<String> r = Http.call(base, "PUT", "/api/v1/tokens", admin(), null, null);
        assertProblem(r, 405, "Method Not Allowed");
        assertThat(r.headers().firstValue("Allow").orElse(""), is("GET, POST"));
    }

    @Test
    void apiExceptionBecomesProblemWithRetryAfter() throws Exception {
        HttpResponse<String> r = Http.get(base, "/api/v1/test/busy", admin());
        assertProblem(r, 503, "Storage unavailable");
        assertThat(Http.json(r).get("type").asText(), is("urn:omni:problem:storage-unavailable"));
        assertThat(r.headers().firstValue("Retry-After").orElse(""), is("2"));
    }

    @Test
    void unexpectedExceptionIs500WithoutInternals() throws Exception {
        HttpResponse<String> r = Http.get(base, "/api/v1/test/boom", admin());
        assertProblem(r, 500, "Internal Server Error");
        assertThat(r.body(), not(containsString("internal detail")));
        assertThat(r.body(), not(containsString("IllegalStateException")));
        assertThat(r.body(), containsString("incident"));
    }

    @Test
    void malformedJsonIs400Problem() throws Exception {
        byte[] ok = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> echoed = Http.call(base, "POST", "/api/v1/test/echo", admin(), "application/json", ok);
        assertThat(echoed.statusCode(), is(200));
        byte[] bad = "{\"a\":".getBytes(StandardCharsets.UTF_8);
        assertProblem(Http.call(base, "POST", "/api/v1/test/echo", admin(), "application/json", bad), 400, "Malformed JSON");
    }

    /** POSTs one byte more than the limit, with a Content-Length or chunked (no length known in advance). */
    private HttpResponse<String> postOverLimit(boolean chunked) throws Exception {
        byte[] big = new byte[(int) Gateway.PAYLOAD_SIZE_MAX + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        // With Expect: 100-continue (curl sends it for large bodies) the 413 comes before the body is sent; without
        // it the server answers and closes while the client still writes, and the client may see only the reset.
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(base.resolve("/api/v1/test/echo"))
                .header("Authorization", "Bearer " + admin())
                .header("Content-Type", "application/json")
                .expectContinue(!chunked)
                .POST(chunked
                        ? java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))
                        : java.net.http.HttpRequest.BodyPublishers.ofByteArray(big))
                .build();
        return java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bodyOver8MiBIs413Problem() throws Exception {
        assertProblem(postOverLimit(false), 413, "Content Too Large");
    }

    @Test
    void chunkedBodyOver8MiBIs413Problem() throws Exception {
        assertProblem(postOverLimit(true), 413, "Content Too Large");
    }

    @Test
    void unreadableMediaTypeIs415Problem() throws Exception {
        byte[] body = "a=1".getBytes(StandardCharsets.UTF_8);
        assertProblem(Http.call(base, "POST", "/api/v1/test/echo", admin(), "application/x-www-form-urlencoded", body),
                415, "Unsupported Media Type");
    }

    @Test
    void garbageHttpIs400Problem() throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer, startsWith("HTTP/1.1 400"));
            assertThat(answer, containsString("application/problem+json"));
            assertThat(answer, containsString("\"status\":400"));
        }
    }
}
