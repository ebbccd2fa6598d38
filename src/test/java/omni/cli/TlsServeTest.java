package omni.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import omni.config.Pem;
import omni.config.Setting;
import omni.config.Settings;
import omni.config.TestCertificates;
import omni.gateway.Gateway;
import omni.kernel.TransferIds;
import picocli.CommandLine;

/**
 * {@code omni serve} with {@code tls.cert} and {@code tls.key} as its own JVM, with a certificate authority the
 * test makes: the start-up line says https, transfers go in over HTTPS, the console's session cookie is Secure,
 * plain HTTP to the port is refused without harming the node, {@code omni bench --ca} loads it, and nothing the
 * node printed holds a byte of the key. Bad TLS files stop the start before anything is created.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsServeTest {
    private static final String ADMIN = "7".repeat(64);
    /** A JVM start on a shared, busy machine. */
    private static final long READY_WAIT_MS = 90_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestCertificates pki;
    private static TestCertificates.Server server;
    private static Process node;
    private static Path log;
    private static int port;
    private static HttpClient https;

    @BeforeAll
    static void start() throws Exception {
        pki = TestCertificates.create();
        server = pki.server("EC");
        Path dataDir = Files.createTempDirectory("omni-tls-node");
        log = dataDir.resolve("node.log");
        port = freePort();
        node = serve(Map.of("OMNI_TLS_CERT", server.chain().toString(), "OMNI_TLS_KEY", server.key().toString(),
                "OMNI_DATA_DIR", dataDir.toString(), "OMNI_HTTP_PORT", Integer.toString(port)), log);
        https = HttpClient.newBuilder().sslContext(Pem.trustContext("test CA", pki.ca()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        long deadlineMs = System.currentTimeMillis() + READY_WAIT_MS;
        while (!Files.readString(log).contains("Admin token:")) {
            assertTrue(node.isAlive(), () -> "node exited: " + read(log));
            assertTrue(System.currentTimeMillis() < deadlineMs, () -> "node not ready: " + read(log));
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null && node.isAlive()) {
            node.destroy();
            node.waitFor(20, TimeUnit.SECONDS);
        }
        if (pki != null) {
            pki.close();
        }
    }

    @Test
    void theStartUpLineSaysHttpsAndTransfersGoInOverTls() throws Exception {
        assertThat(read(log), containsString(" ready at https://127.0.0.1:" + port + " "));
        HttpResponse<String> issuer = send(get("/api/v1/accounts/0"));
        assertEquals(200, issuer.statusCode(), issuer.body());
        long seq = JSON.readTree(issuer.body()).get("seq").asLong();
        byte[] parent = TransferIds.genesisId("omni");
        TransferIds ids = new TransferIds();
        StringBuilder batch = new StringBuilder("[");
        long timestamp = System.currentTimeMillis();
        for (int i = 1; i <= 3; i++) {
            byte[] id = new byte[32];
            ids.computeId(0, 100 + i, 50, seq + i, timestamp, parent, 0, 1, parent, 0, 0, id, 0);
            batch.append(i > 1 ? "," : "").append("{\"sender\":0,\"receiver\":").append(100 + i)
                    .append(",\"amount\":50,\"seq\":").append(seq + i).append(",\"timestamp\":").append(timestamp)
                    .append(",\"parents\":[\"").append(HexFormat.of().formatHex(parent)).append("\"]}");
            parent = id;
        }
        HttpResponse<String> posted = send(HttpRequest.newBuilder(uri("/api/v1/transactions"))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(batch.append(']').toString())));
        assertEquals(200, posted.statusCode(), posted.body());
        assertThat(posted.body(), containsString("\"accepted\":3,\"rejected\":0,"));
        HttpResponse<String> account = send(get("/api/v1/accounts/103"));
        assertEquals("{\"id\":103,\"balance\":50,\"seq\":0,\"transactions\":1}", account.body());
    }

    @Test
    void theConsoleSessionCookieIsSecure() throws Exception {
        HttpResponse<String> signIn = send(HttpRequest.newBuilder(uri("/login"))
                .header("Origin", "https://127.0.0.1:" + port)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + ADMIN)));
        assertEquals(303, signIn.statusCode(), signIn.body());
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie, containsString("HttpOnly"));
        assertThat(cookie, endsWith("; Secure"));
        // The same-origin check compares against https://: a page served over plain http would be another origin.
        HttpResponse<String> plainOrigin = send(HttpRequest.newBuilder(uri("/login"))
                .header("Origin", "http://127.0.0.1:" + port)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + ADMIN)));
        assertEquals(403, plainOrigin.statusCode(), plainOrigin.body());
    }

    @Test
    void plainHttpToTheTlsPortFailsAndTheNodeServesOn() throws Exception {
        long logSize = Files.size(log);
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/health/ready")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()));
        // The raw bytes of a plain request get no HTTP answer, only the end of the connection.
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertFalse(answer.startsWith("HTTP/"), answer);
        }
        assertEquals(200, send(HttpRequest.newBuilder(uri("/health/ready"))).statusCode());
        assertEquals(logSize, Files.size(log), () -> "a refused plain request was logged: " + read(log));
    }

    @Test
    void benchLoadsTheNodeOverHttpsWithTheCaItIsGiven() throws Exception {
        String url = "https://127.0.0.1:" + port;
        List<String> common = List.of("--url", url, "--token", ADMIN, "--accounts", "20", "--transfers", "2000",
                "--batch-size", "200", "--connections", "2", "--seed", "5");
        String[] withCa = concat(common, "--ca", pki.ca().toString());
        assertEquals(0, bench(withCa).exit(), () -> "bench --ca failed");
        // Without --ca the JVM's trust store knows nothing of the test's CA: a clear failure, not a stack trace.
        Run untrusted = bench(common.toArray(String[]::new));
        assertEquals(1, untrusted.exit());
        assertThat(untrusted.err(), containsString("pass it with --ca FILE"));
        Run caForPlain = bench("--url", "http://127.0.0.1:" + port, "--token", ADMIN, "--ca", pki.ca().toString());
        assertEquals(2, caForPlain.exit());
        assertThat(caForPlain.err(), containsString("--ca is for an https:// --url"));
    }

    /** Last: stops the node, so that its output is complete, shutdown included. */
    @Test
    @Order(Integer.MAX_VALUE)
    void whatTheNodePrintedHoldsNoByteOfTheKey() throws Exception {
        node.destroy();
        assertTrue(node.waitFor(20, TimeUnit.SECONDS), "node did not stop on SIGTERM");
        assertEquals(0, node.exitValue());
        String printed = read(log);
        assertThat(printed, containsString(" ready at https://"));
        for (String line : Files.readAllLines(server.key())) {
            if (!line.startsWith("-----") && line.length() >= 16) {
                assertFalse(printed.contains(line), "the node's output holds a line of the key");
                assertFalse(printed.contains(line.substring(0, 16)), "the node's output holds part of the key");
            }
        }
    }

    @Test
    void aKeyOfAnotherCertificateStopsTheStartNamingTheFileWithNothingCreated() throws Exception {
        TestCertificates.Server other = pki.server("RSA");
        Path dataDir = Files.createTempDirectory("omni-tls-bad").resolve("data");
        Path badLog = dataDir.resolveSibling("node.log");
        Process bad = serve(Map.of("OMNI_TLS_CERT", server.chain().toString(), "OMNI_TLS_KEY", other.key().toString(),
                "OMNI_DATA_DIR", dataDir.toString(), "OMNI_HTTP_PORT", Integer.toString(freePort())), badLog);
        assertTrue(bad.waitFor(60, TimeUnit.SECONDS), "node with a wrong key did not exit");
        assertEquals(ServeCommand.EXIT_START_FAILED, bad.exitValue());
        String printed = read(badLog);
        assertThat(printed, containsString("omni: cannot start: tls.key " + other.key() + ": "));
        assertThat(printed, containsString("not a PKCS#8 EC private key"));
        assertFalse(Files.exists(dataDir), "a start refused for its TLS files created the data directory");

        Path missing = pki.dir().resolve("absent.key");
        Process absent = serve(Map.of("OMNI_TLS_CERT", server.chain().toString(), "OMNI_TLS_KEY", missing.toString(),
                "OMNI_DATA_DIR", dataDir.toString(), "OMNI_HTTP_PORT", Integer.toString(freePort())), badLog);
        assertTrue(absent.waitFor(60, TimeUnit.SECONDS), "node with a missing key did not exit");
        assertEquals(ServeCommand.EXIT_START_FAILED, absent.exitValue());
        assertThat(read(badLog), containsString("omni: cannot start: tls.key " + missing + ": no such file"));
        assertFalse(Files.exists(dataDir));
    }

    @Test
    void settingsThatCannotWorkTogetherStopTheStart() throws Exception {
        assertEquals(null, Gateway.tlsContext(Settings.of(Map.of())));
        IOException onlyCert = assertThrows(IOException.class,
                () -> Gateway.tlsContext(Settings.of(Map.of(Setting.TLS_CERT, server.chain().toString()))));
        assertEquals("tls.cert is set but tls.key (OMNI_TLS_KEY) is not: HTTPS needs both the certificate and its key",
                onlyCert.getMessage());
        IOException onlyKey = assertThrows(IOException.class,
                () -> Gateway.tlsContext(Settings.of(Map.of(Setting.TLS_KEY, server.key().toString()))));
        assertEquals("tls.key is set but tls.cert (OMNI_TLS_CERT) is not: HTTPS needs both the certificate and its key",
                onlyKey.getMessage());
        IOException caForPlainRedis = assertThrows(IOException.class, () -> ServeCommand.redisTrust(Settings.of(
                Map.of(Setting.REDIS_URL, "redis://127.0.0.1:6379", Setting.REDIS_TLS_CA, pki.ca().toString()))));
        assertEquals("redis.tls.ca is set but redis.url is not a rediss:// (TLS) URL, so nothing would be checked "
                + "against it", caForPlainRedis.getMessage());
        assertEquals(null, ServeCommand.redisTrust(Settings.of(Map.of(Setting.REDIS_URL, "rediss://127.0.0.1:6379"))));
    }

    private record Run(int exit, String err) {
    }

    private static Run bench(String... args) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new BenchCommand()).execute(args);
            return new Run(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }
    }

    private static String[] concat(List<String> first, String... more) {
        String[] all = first.toArray(new String[first.size() + more.length]);
        System.arraycopy(more, 0, all, first.size(), more.length);
        return all;
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + ADMIN).GET();
    }

    private static URI uri(String path) {
        return URI.create("https://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return https.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code omni serve} in a JVM of its own with these OMNI_ variables, stdout and stderr into {@code out}. */
    private static Process serve(Map<String, String> settings, Path out) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "omni.cli.Main", "serve");
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("OMNI_"));
        env.put("OMNI_HTTP_HOST", "127.0.0.1");
        env.put("OMNI_ADMIN_TOKEN", ADMIN);
        env.putAll(settings);
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process process = pb.start();
        // A test JVM that dies must not leave a node running on the shared machine.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return process;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
