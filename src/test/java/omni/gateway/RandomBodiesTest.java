package omni.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import omni.ReliabilityLog;
import omni.cli.ServeCommand;
import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;

/**
 * A property of a real node (composed as {@code omni serve} composes it, embedded store): random bodies posted to
 * POST /api/v1/transactions never change its state (tips, balances and seqs of the accounts in play) unless the
 * answer reports accepted transfers, and every answer is 200 with one result per item or a whole-request error.
 * Bodies are random bytes, valid transfers with random bytes flipped, cut or inserted, and valid ones; seeded,
 * the seed printed so a failure replays.
 */
class RandomBodiesTest {
    /** Posts per run: enough for every kind of body many times over, a few seconds on a busy machine. */
    static final int BODY_COUNT = 600;
    private static final String ADMIN = "b".repeat(64);
    private static final long[] ACCOUNTS = {0, 7, 8};
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Shutdown shutdown;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        shutdown = new Shutdown();
        // Thousands of bodies and state reads arrive faster than the default rate limit allows; a 429 changes
        // nothing either, but this test is about what each body does, and HttpLimitsTest covers the limit.
        Settings settings = Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                Setting.DATA_DIR, Files.createTempDirectory("omni-random").toString(), Setting.ADMIN_TOKEN, ADMIN,
                Setting.HTTP_RATE_PER_SECOND, "1000000", Setting.HTTP_RATE_BURST, "10000000"));
        ServeCommand.Node node = ServeCommand.start(settings, shutdown);
        base = "http://127.0.0.1:" + node.gateway().port();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (get("/health/ready").statusCode() != 200) {
            assertTrue(System.nanoTime() < deadline, "node not ready");
            Thread.sleep(20);
        }
    }

    @AfterAll
    static void stop() {
        shutdown.run();
    }

    @Test
    void randomBodiesChangeNothingUnlessTheyHoldValidTransfers() throws Exception {
        long seed = System.nanoTime();
        System.out.println("RandomBodiesTest seed=" + seed);
        Random random = new Random(seed);
        int[] accepted = {0};
        int changedCount = 0;
        for (int n = 0; n < BODY_COUNT; n++) {
            String before = state();
            byte[] body = body(random);
            boolean ndjson = random.nextBoolean();
            HttpResponse<String> answer = post(body, ndjson ? "application/x-ndjson" : "application/json");
            int acceptedNow = acceptedCount(answer, accepted);
            String after = state();
            String context = "seed=" + seed + " body " + n + ": " + new String(body, StandardCharsets.UTF_8)
                    + " -> " + answer.statusCode() + " " + answer.body();
            if (acceptedNow == 0) {
                assertEquals(before, after, context);
            } else {
                assertNotEquals(before, after, context);
                changedCount++;
            }
        }
        System.out.println("RandomBodiesTest: " + BODY_COUNT + " random bodies, " + changedCount
                + " held valid transfers and changed the state, " + accepted[0] + " transfers accepted in all");
        assertTrue(changedCount > 0 && changedCount < BODY_COUNT, "both kinds of body were tried: " + changedCount);
        ReliabilityLog.held("Random bodies posted to a node", BODY_COUNT + " bodies (random bytes, mangled and "
                + "valid transfers, JSON and NDJSON), seed " + seed, "state changed only for the " + changedCount
                + " bodies that held valid transfers (" + accepted[0] + " accepted)");
    }

    /** The answer's accepted count (0 for a whole-request error); checks one result per item. */
    private static int acceptedCount(HttpResponse<String> answer, int[] total) throws Exception {
        if (answer.statusCode() != 200) {
            assertTrue(answer.statusCode() == 400 || answer.statusCode() == 413, answer.statusCode() + " " + answer.body());
            return 0;
        }
        JsonNode json = JSON.readTree(answer.body());
        int acceptedNow = 0;
        for (JsonNode result : json.get("results")) {
            acceptedNow += "accepted".equals(result.get("result").asText()) ? 1 : 0;
            if ("malformed".equals(result.get("result").asText())) {
                assertTrue(result.get("detail").asText().length() > 0, answer.body());
            }
        }
        assertEquals(json.get("accepted").asInt() + json.get("rejected").asInt(), json.get("results").size());
        total[0] += acceptedNow;
        return acceptedNow;
    }

    /** Tips and the accounts in play, as the API answers them. */
    private static String state() throws Exception {
        StringBuilder state = new StringBuilder(get("/api/v1/tips?limit=1000").body());
        for (long account : ACCOUNTS) {
            state.append('\n').append(get("/api/v1/accounts/" + account).body());
        }
        return state.toString();
    }

    /** One of: random bytes, a valid transfer mangled, a valid transfer (a mint or a payment). */
    private static byte[] body(Random random) throws Exception {
        int kind = random.nextInt(10);
        if (kind == 0) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            return bytes;
        }
        byte[] valid = validTransfer(random).getBytes(StandardCharsets.UTF_8);
        if (kind == 9) {
            return valid;
        }
        byte[] mangled = valid.clone();
        for (int k = 1 + random.nextInt(3); k > 0; k--) {
            int at = random.nextInt(mangled.length);
            switch (random.nextInt(3)) {
                case 0 -> mangled[at] = (byte) (32 + random.nextInt(95));
                case 1 -> mangled = cut(mangled, at);
                default -> mangled = insert(mangled, at, (byte) "{}[],:\"0-.e\\ x".charAt(random.nextInt(14)));
            }
        }
        return mangled;
    }

    /** A transfer that is valid now: a mint from account 0 to 7, or 7 paying 8, on the newest tip. */
    private static String validTransfer(Random random) throws Exception {
        String parent = JSON.readTree(get("/api/v1/tips?limit=1").body()).get("tips").get(0).asText();
        boolean mint = random.nextInt(3) == 0 || balance(7) < 10;
        long sender = mint ? 0 : 7;
        return "{\"sender\":" + sender + ",\"receiver\":" + (mint ? 7 : 8) + ",\"amount\":" + (mint ? 1000 : 1 + random.nextInt(9))
                + ",\"seq\":" + (seq(sender) + 1) + ",\"timestamp\":" + System.currentTimeMillis() + ",\"parents\":[\""
                + parent + "\"],\"memo\":\"m" + random.nextInt(1000) + "\"}";
    }

    private static long balance(long account) throws Exception {
        HttpResponse<String> answer = get("/api/v1/accounts/" + account);
        return answer.statusCode() == 200 ? JSON.readTree(answer.body()).get("balance").asLong() : 0;
    }

    private static long seq(long account) throws Exception {
        HttpResponse<String> answer = get("/api/v1/accounts/" + account);
        return answer.statusCode() == 200 ? JSON.readTree(answer.body()).get("seq").asLong() : 0;
    }

    private static byte[] cut(byte[] a, int at) {
        byte[] out = new byte[a.length - 1];
        System.arraycopy(a, 0, out, 0, at);
        System.arraycopy(a, at + 1, out, at, a.length - at - 1);
        return out;
    }

    private static byte[] insert(byte[] a, int at, byte b) {
        byte[] out = new byte[a.length + 1];
        System.arraycopy(a, 0, out, 0, at);
        out[at] = b;
        System.arraycopy(a, at, out, at + 1, a.length - at);
        return out;
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + ADMIN)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(byte[] body, String contentType) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/transactions"))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
