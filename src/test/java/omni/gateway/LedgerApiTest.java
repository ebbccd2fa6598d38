package omni.gateway;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import omni.cli.ServeCommand;
import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;
import omni.kernel.TransferIds;
import omni.ledger.BatchSlot;

/**
 * The transfer, account and tip API (docs/api.md) on a node composed as {@code omni serve} composes it, with
 * the embedded store: shapes of the answers, the issuer rule, media types, limits, bad ids and bad paging.
 */
class LedgerApiTest {
    private static final String ADMIN = "a".repeat(64);
    private static final String GENESIS = HexFormat.of().formatHex(TransferIds.genesisId("omni"));
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Shutdown shutdown;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        shutdown = new Shutdown();
        Settings settings = Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                Setting.DATA_DIR, Files.createTempDirectory("omni-api").toString(), Setting.ADMIN_TOKEN, ADMIN));
        ServeCommand.Node node = ServeCommand.start(settings, shutdown);
        base = "http://127.0.0.1:" + node.gateway().port();
        for (int i = 0; i < 600 && get("/health/ready", ADMIN).statusCode() != 200; i++) {
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() {
        shutdown.run();
    }

    @Test
    void submitReadAndPage() throws Exception {
        long now = System.currentTimeMillis();
        String mint = "{\"sender\":0,\"receiver\":7,\"amount\":1000,\"seq\":1,\"timestamp\":" + now
                + ",\"parents\":[\"" + GENESIS + "\"],\"memo\":\"hello \\\"world\\\"\"}";
        HttpResponse<String> first = post(mint, "application/json", ADMIN);
        assertEquals(200, first.statusCode(), first.body());
        String mintId = field(first.body(), "id");
        assertThat(first.body(), startsWith("{\"accepted\":1,\"rejected\":0,\"results\":[{\"index\":0,\"id\":\""));
        long mintPosition = Long.parseLong(field(first.body(), "position"));

        String again = post(mint, "application/json", ADMIN).body();
        assertThat(again, containsString("\"result\":\"exists\",\"position\":" + mintPosition));

        String ndjson = transfer(7, 8, 10, 1, now, mintId) + "\n" + transfer(7, 9, 10, 2, now, mintId) + "\n";
        HttpResponse<String> two = post(ndjson, "application/x-ndjson", ADMIN);
        assertThat(two.body(), startsWith("{\"accepted\":2,\"rejected\":0,"));

        HttpResponse<String> read = get("/api/v1/transactions/" + mintId, ADMIN);
        assertEquals(200, read.statusCode(), read.body());
        assertThat(read.body(), containsString("\"sender\":0,\"receiver\":7,\"amount\":1000,\"seq\":1,\"timestamp\":" + now
                + ",\"parents\":[\"" + GENESIS + "\"],\"memo\":\"hello \\\"world\\\"\",\"position\":" + mintPosition));

        String sealed = read.body();
        for (int i = 0; i < 200 && !sealed.contains("\"checkpoint\":"); i++) {
            Thread.sleep(50);
            sealed = get("/api/v1/transactions/" + mintId, ADMIN).body();
        }
        assertThat("sealed by the checkpointer (every 1 s)", sealed, containsString("\"checkpoint\":"));

        assertEquals("{\"id\":7,\"balance\":980,\"seq\":2,\"transactions\":3}", get("/api/v1/accounts/7", ADMIN).body());
        String page = get("/api/v1/accounts/7/transactions?limit=2", ADMIN).body();
        assertThat(page, containsString("\"seq\":2"));
        String next = field(page, "next");
        String older = get("/api/v1/accounts/7/transactions?limit=2&before=" + next, ADMIN).body();
        assertThat(older, containsString("\"id\":\"" + mintId + "\""));
        assertThat(older, containsString("\"next\":null"));
        assertThat(get("/api/v1/tips?limit=5", ADMIN).body(), startsWith("{\"tips\":[\""));
    }

    @Test
    void issuerNeedsTheAdminToken() throws Exception {
        String client = field(postTo("/api/v1/tokens", "", "application/json", ADMIN).body(), "token");
        String fromIssuer = transfer(0, 11, 5, 99, System.currentTimeMillis(), GENESIS);
        HttpResponse<String> answer = post(fromIssuer, "application/json", client);
        assertEquals(200, answer.statusCode(), answer.body());
        assertThat(answer.body(), containsString("\"result\":\"issuer_requires_admin\""));
        assertThat(answer.body(), startsWith("{\"accepted\":0,\"rejected\":1,"));
    }

    @Test
    void wholeRequestFailuresChangeNothing() throws Exception {
        String issuerBefore = get("/api/v1/accounts/0", ADMIN).body();
        String valid = transfer(0, 12, 5, 1_000, System.currentTimeMillis(), GENESIS);
        assertEquals(415, post(valid, "text/plain", ADMIN).statusCode());
        assertEquals(400, post("{\"sender\":", "application/json", ADMIN).statusCode());
        StringBuilder tooMany = new StringBuilder("[");
        for (int i = 0; i <= 10_000; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{}");
        }
        assertEquals(413, post(tooMany.append(']').toString(), "application/json", ADMIN).statusCode());
        assertEquals(413, post("[" + " ".repeat(BatchSlot.BODY_SIZE_MAX) + "]", "application/json", ADMIN).statusCode());
        assertEquals(401, post(valid, "application/json", "b".repeat(64)).statusCode());
        assertEquals(issuerBefore, get("/api/v1/accounts/0", ADMIN).body());
    }

    @Test
    void badIdsAndLimitsAre400AndUnknownIs404() throws Exception {
        for (String path : new String[] {"/api/v1/transactions/xyz", "/api/v1/transactions/" + GENESIS.toUpperCase(),
                "/api/v1/accounts/abc", "/api/v1/accounts/-1", "/api/v1/accounts/9223372036854775808",
                "/api/v1/accounts/0/transactions?limit=0", "/api/v1/accounts/0/transactions?limit=1001",
                "/api/v1/accounts/0/transactions?before=0", "/api/v1/accounts/0/transactions?limit=1.5",
                "/api/v1/tips?limit=0", "/api/v1/tips?limit=abc", "/api/v1/tips?limit=1001"}) {
            HttpResponse<String> answer = get(path, ADMIN);
            assertEquals(400, answer.statusCode(), path + ": " + answer.body());
            assertEquals("application/problem+json", answer.headers().firstValue("Content-Type").orElse(""), path);
        }
        assertEquals(404, get("/api/v1/transactions/" + "0".repeat(64), ADMIN).statusCode());
        assertEquals(404, get("/api/v1/accounts/123456789", ADMIN).statusCode());
        assertThat(get("/api/v1/tips", ADMIN).body(), not(containsString("\"tips\":[]")));
    }

    private static String transfer(long sender, long receiver, long amount, long seq, long timestamp, String parent) {
        return "{\"sender\":" + sender + ",\"receiver\":" + receiver + ",\"amount\":" + amount + ",\"seq\":" + seq
                + ",\"timestamp\":" + timestamp + ",\"parents\":[\"" + parent + "\"]}";
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in " + json);
        }
        return m.group(1);
    }

    private static HttpResponse<String> post(String body, String type, String token) throws Exception {
        return postTo("/api/v1/transactions", body, type, token);
    }

    private static HttpResponse<String> postTo(String path, String body, String type, String token) throws Exception {
        // An oversize body goes with Expect: 100-continue, as curl sends it: the 413 then comes before the body;
        // without it the server answers and closes while the client still writes, and the client may see a reset.
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .expectContinue(body.length() > Gateway.PAYLOAD_SIZE_MAX)
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
