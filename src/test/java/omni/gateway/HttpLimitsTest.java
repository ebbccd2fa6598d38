package omni.gateway;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import omni.ReliabilityLog;
import omni.config.Setting;
import omni.config.Settings;

/**
 * The HTTP limits against a real node over real sockets (127.0.0.1 only): clients that trickle their headers or
 * body, idle keep-alive connections, too many connections, oversized headers and a token over its rate are all
 * answered or closed within their limit, while {@code /health/ready} keeps answering.
 */
class HttpLimitsTest {
    private static final long HEADER_TIMEOUT_MS = 2_000;
    private static final long BODY_TIMEOUT_MS = 2_000;
    private static final long IDLE_TIMEOUT_MS = 1_500;
    private static final int HEADERS_SIZE_MAX = 4_096;
    private static final int RATE_PER_SECOND = 5;
    private static final int RATE_BURST = 10;
    // A deadline is enforced by a sweep every 50 ms; the rest is the test's own scheduling on a busy machine.
    private static final long CLOSE_MARGIN_MS = 1_000;
    private static final int TRICKLERS = 200;
    private static final long TRICKLE_INTERVAL_MS = 200;
    private static final int SOCKET_TIMEOUT_MS = 15_000;

    // Blocking reads, one a connection.
    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    private static Path dataDir;
    private static TestApiService api;
    private static Gateway gateway;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("omni-http-limits");
        api = new TestApiService(0);
        gateway = Gateway.builder(settings(dataDir, 1_000, HEADER_TIMEOUT_MS, RATE_BURST)).api(api).build().start();
        base = URI.create("http://127.0.0.1:" + gateway.port());
    }

    @AfterAll
    static void stop() {
        gateway.stop();
        READERS.shutdownNow();
    }

    private static Settings settings(Path dir, int connectionsMax, long headerTimeoutMs, int rateBurst)
            throws Exception {
        return Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                Setting.DATA_DIR, dir.toString(),
                Setting.HTTP_CONNECTIONS_MAX, Integer.toString(connectionsMax),
                Setting.HTTP_HEADERS_SIZE_MAX, Integer.toString(HEADERS_SIZE_MAX),
                Setting.HTTP_HEADER_TIMEOUT_MS, Long.toString(headerTimeoutMs),
                Setting.HTTP_BODY_TIMEOUT_MS, Long.toString(BODY_TIMEOUT_MS),
                Setting.HTTP_IDLE_TIMEOUT_MS, Long.toString(IDLE_TIMEOUT_MS),
                Setting.HTTP_RATE_PER_SECOND, Integer.toString(RATE_PER_SECOND),
                Setting.HTTP_RATE_BURST, Integer.toString(rateBurst)));
    }

    @Test
    void tricklingHeadersAreClosedAtTheHeaderTimeoutWhileHealthAnswers() throws Exception {
        List<Trickler> tricklers = new ArrayList<>();
        try {
            for (int i = 0; i < TRICKLERS; i++) {
                tricklers.add(new Trickler(gateway.port(), Mode.PARTIAL_REQUEST));
            }
            // Half-way through, the node still answers its probes.
            Thread.sleep(HEADER_TIMEOUT_MS / 2);
            trickle(tricklers, HEADER_TIMEOUT_MS / 2);
            assertThat(Http.get(base, "/health/ready", null).statusCode(), is(200));
            trickle(tricklers, HEADER_TIMEOUT_MS / 2 + CLOSE_MARGIN_MS);
            long min = Long.MAX_VALUE;
            long max = 0;
            int answered408 = 0;
            for (Trickler t : tricklers) {
                long closedMs = t.closedAfterMs(CLOSE_MARGIN_MS);
                min = Math.min(min, closedMs);
                max = Math.max(max, closedMs);
                if (t.answer().startsWith("HTTP/1.1 408")) {
                    assertThat(t.answer(), containsString("application/problem+json"));
                    answered408++;
                }
            }
            assertThat(min, greaterThanOrEqualTo(HEADER_TIMEOUT_MS - 50));
            assertThat(max, lessThan(HEADER_TIMEOUT_MS + CLOSE_MARGIN_MS));
            assertThat(answered408, greaterThan(0));
            assertThat(Http.get(base, "/health/ready", null).statusCode(), is(200));
            ReliabilityLog.held("Clients trickling their headers", TRICKLERS + " connections sending a partial request"
                            + " then a header line every " + TRICKLE_INTERVAL_MS + " ms, header timeout "
                            + HEADER_TIMEOUT_MS + " ms",
                    "all closed " + min + "-" + max + " ms after opening (" + answered408 + " read their 408);"
                            + " /health/ready answered 200 throughout");
        } finally {
            tricklers.forEach(Trickler::close);
        }
    }

    @Test
    void keepAliveSilentAndPipelinedConnectionsAreClosedAtTheHeaderTimeout() throws Exception {
        List<Trickler> tricklers = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                tricklers.add(new Trickler(gateway.port(), Mode.AFTER_ONE_REQUEST));
                tricklers.add(new Trickler(gateway.port(), Mode.SILENT));
                tricklers.add(new Trickler(gateway.port(), Mode.PIPELINED));
            }
            trickle(tricklers, HEADER_TIMEOUT_MS + CLOSE_MARGIN_MS);
            for (Trickler t : tricklers) {
                long closedMs = t.closedAfterMs(CLOSE_MARGIN_MS);
                assertThat(closedMs, greaterThanOrEqualTo(HEADER_TIMEOUT_MS - 50));
                assertThat(closedMs, lessThan(HEADER_TIMEOUT_MS + CLOSE_MARGIN_MS));
            }
        } finally {
            tricklers.forEach(Trickler::close);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAtTheIdleTimeout() throws Exception {
        try (Socket s = connect(gateway.port())) {
            s.getOutputStream().write(request("GET", "/health/live", "").getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(s.getInputStream()), startsWith("HTTP/1.1 200"));
            long answeredNanos = System.nanoTime();
            assertThat(s.getInputStream().read(), is(-1));
            long closedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answeredNanos);
            assertThat(closedMs, greaterThanOrEqualTo(IDLE_TIMEOUT_MS - 50));
            assertThat(closedMs, lessThan(IDLE_TIMEOUT_MS + CLOSE_MARGIN_MS));
        }
    }

    @Test
    void headersOverTheLimitAre431() throws Exception {
        // One read's worth (Helidon parses it whole) and many reads' worth (OMNI counts between reads).
        for (int size : new int[] {HEADERS_SIZE_MAX + 100, 64 * 1024}) {
            try (Socket s = connect(gateway.port())) {
                String request = "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(size) + "\r\n\r\n";
                s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                String answer = readToEnd(s.getInputStream());
                assertThat(answer, startsWith("HTTP/1.1 431"));
                assertThat(answer, containsString("application/problem+json"));
                assertThat(answer, containsString("http.headers.size.max"));
            }
        }
        // Just under the limit is served.
        try (Socket s = connect(gateway.port())) {
            String request = "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(HEADERS_SIZE_MAX - 100)
                    + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            assertThat(readToEnd(s.getInputStream()), startsWith("HTTP/1.1 200"));
        }
    }

    @Test
    void aSlowBodyIs408AndNothingOfItIsCommitted() throws Exception {
        String token = Http.adminToken(dataDir);
        int before = api.commits.get();
        for (boolean chunked : new boolean[] {false, true}) {
            try (Socket s = connect(gateway.port())) {
                String head = "POST /api/v1/test/commit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n"
                        + (chunked ? "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" : "Content-Length: 100\r\n\r\nhello");
                s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                long sentNanos = System.nanoTime();
                CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> readToEndUnchecked(s), READERS);
                while (!answer.isDone() && System.nanoTime() - sentNanos < TimeUnit.MILLISECONDS.toNanos(
                        BODY_TIMEOUT_MS + CLOSE_MARGIN_MS)) {
                    try {
                        s.getOutputStream().write(chunked ? "1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII) : new byte[] {'x'});
                    } catch (IOException closed) {
                        break;
                    }
                    Thread.sleep(TRICKLE_INTERVAL_MS);
                }
                String got = answer.get(CLOSE_MARGIN_MS, TimeUnit.MILLISECONDS);
                long closedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentNanos);
                assertThat(got, startsWith("HTTP/1.1 408"));
                assertThat(got, containsString("http.body.timeout.ms"));
                assertThat(closedMs, greaterThanOrEqualTo(BODY_TIMEOUT_MS - 50));
                assertThat(closedMs, lessThan(BODY_TIMEOUT_MS + CLOSE_MARGIN_MS));
            }
        }
        assertThat(api.commits.get(), is(before));
        // Whole bodies, with a length or chunked, are read and the connection serves the next request.
        try (Socket s = connect(gateway.port())) {
            String auth = "Authorization: Bearer " + token + "\r\n";
            String both = "POST /api/v1/test/commit HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 5\r\n\r\nhello"
                    + "POST /api/v1/test/commit HTTP/1.1\r\nHost: x\r\n" + auth
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
            s.getOutputStream().write(both.getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(s.getInputStream()), startsWith("HTTP/1.1 200"));
            assertThat(readResponse(s.getInputStream()), startsWith("HTTP/1.1 200"));
            s.getOutputStream().write(request("GET", "/health/live", "").getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(s.getInputStream()), startsWith("HTTP/1.1 200"));
        }
        assertThat(api.commits.get(), is(before + 2));
        ReliabilityLog.held("A client trickling its body", "a body of 100 bytes (and a chunked one) sent a byte every "
                        + TRICKLE_INTERVAL_MS + " ms, body timeout " + BODY_TIMEOUT_MS + " ms",
                "408 problem+json and closed, nothing committed; whole bodies on the same kind of connection served");
    }

    @Test
    void atTheConnectionLimitWaitingConnectionsMakeRoomAndHealthStillAnswers() throws Exception {
        int max = 64;
        int reserved = ConnectionGuard.HEALTH_CONNECTIONS_RESERVED;
        int regular = max - reserved;
        Path dir = Files.createTempDirectory("omni-http-connections");
        TestApiService slowApi = new TestApiService(regular);
        CountDownLatch readyGate = new CountDownLatch(1);
        Gateway capped = Gateway.builder(settings(dir, max, 20_000, 1_000)).api(slowApi)
                .readiness("gate", () -> {
                    try {
                        readyGate.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ReadinessCheck.Readiness.ok();
                })
                .build().start();
        String admin = "Authorization: Bearer " + Http.adminToken(dir) + "\r\n";
        List<Socket> busy = new ArrayList<>();
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < regular; i++) {
                busy.add(send(capped.port(), request("GET", "/api/v1/test/slow", admin)));
            }
            assertThat("every regular connection is serving a request",
                    slowApi.slowEntered.await(10, TimeUnit.SECONDS), is(true));
            // The reserve answers health and metrics, and refuses the API at once.
            String refusedApi = readToEnd(send(capped.port(), request("GET", "/api/v1/test/whoami",
                    admin + "Connection: close\r\n")).getInputStream());
            assertThat(refusedApi, startsWith("HTTP/1.1 503"));
            assertThat(refusedApi, containsString("Retry-After: 1"));
            assertProbesAnswer(capped.port());
            // Connections that send nothing fill the reserve and go beyond it: each new one makes room by closing
            // the one that has waited longest, so a probe still gets in.
            for (int i = 0; i < reserved + 10; i++) {
                silent.add(connect(capped.port()));
            }
            awaitOpen(capped, max);
            assertProbesAnswer(capped.port());
            int silentClosed = 0;
            for (Socket s : silent) {
                s.setSoTimeout(100);
                try {
                    silentClosed += s.getInputStream().read() == -1 ? 1 : 0;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // one of those that stayed
                }
            }
            // Ten made room for the ten beyond the limit, and the probes made room for themselves.
            assertThat(silentClosed, greaterThanOrEqualTo(10));
            // With every connection serving a request, a new one is refused at once.
            for (Socket s : silent) {
                s.close();
            }
            awaitOpen(capped, regular);
            for (int i = 0; i < reserved; i++) {
                busy.add(send(capped.port(), request("GET", "/health/ready", "")));
            }
            awaitOpen(capped, max);
            Thread.sleep(200);
            long startNanos = System.nanoTime();
            String refused = readToEnd(connect(capped.port()).getInputStream());
            long refusedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            assertThat(refused, startsWith("HTTP/1.1 503"));
            assertThat(refused, containsString("http.connections.max"));
            assertThat(refusedMs, lessThan(CLOSE_MARGIN_MS));
            readyGate.countDown();
            slowApi.slowRelease.countDown();
            for (Socket s : busy) {
                assertThat(readResponse(s.getInputStream()), startsWith("HTTP/1.1 200"));
            }
            ReliabilityLog.held("More connections than http.connections.max", max + " connections: " + regular
                            + " serving slow requests, then " + (reserved + 10) + " that send nothing, then "
                            + reserved + " slow health probes and one more",
                    "API refused in the " + reserved + " reserved; /health/live and /metrics answered 200 throughout,"
                            + " each silent connection beyond the limit closed the oldest; with all " + max
                            + " busy the next was answered 503 in " + refusedMs + " ms");
        } finally {
            readyGate.countDown();
            slowApi.slowRelease.countDown();
            for (Socket s : busy) {
                s.close();
            }
            for (Socket s : silent) {
                s.close();
            }
            capped.stop();
        }
    }

    private static void assertProbesAnswer(int port) throws IOException {
        for (String path : new String[] {"/health/live", "/metrics"}) {
            String answer = readToEnd(send(port, request("GET", path, "Connection: close\r\n")).getInputStream());
            assertThat(path, answer, startsWith("HTTP/1.1 200"));
        }
    }

    private static Socket send(int port, String request) throws IOException {
        Socket s = connect(port);
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    @Test
    void aTokenOverItsRateIs429WithRetryAfterAndRecovers() throws Exception {
        String admin = Http.adminToken(dataDir);
        HttpResponse<String> created = Http.call(base, "POST", "/api/v1/tokens", admin, "application/json", "{}".getBytes());
        assertThat(created.body(), created.statusCode(), is(201));
        String token = Http.json(created).get("token").asText();
        int ok = 0;
        HttpResponse<String> limited = null;
        for (int i = 0; i < RATE_BURST * 3 && limited == null; i++) {
            HttpResponse<String> r = Http.get(base, "/api/v1/test/whoami", token);
            if (r.statusCode() == 429) {
                limited = r;
            } else {
                assertThat(r.body(), r.statusCode(), is(200));
                ok++;
            }
        }
        assertThat("a 429 within three bursts", limited != null, is(true));
        assertThat(ok, greaterThanOrEqualTo(RATE_BURST));
        assertThat(limited.headers().firstValue("Content-Type").orElse(""), is("application/problem+json"));
        int retryAfter = Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter, greaterThanOrEqualTo(1));
        // Health is exempt, and another token has its own bucket.
        assertThat(Http.get(base, "/health/ready", null).statusCode(), is(200));
        assertThat(Http.get(base, "/api/v1/test/whoami", admin).statusCode(), is(200));
        Thread.sleep(TimeUnit.SECONDS.toMillis(retryAfter));
        assertThat(Http.get(base, "/api/v1/test/whoami", token).statusCode(), is(200));
        // Without a valid token, the client address has a bucket: guessing tokens is bounded too.
        int status = 0;
        for (int i = 0; i < RATE_BURST * 3 && status != 429; i++) {
            status = Http.get(base, "/api/v1/test/whoami", "not-a-valid-token-" + i).statusCode();
        }
        assertThat(status, is(429));
        ReliabilityLog.held("A token over its rate", RATE_BURST * 3 + " requests at once with one token (rate "
                        + RATE_PER_SECOND + "/s, burst " + RATE_BURST + "), then wrong tokens from one address",
                ok + " served, then 429 problem+json with Retry-After " + retryAfter + "; served again after it;"
                        + " wrong tokens 429 too; health and other tokens unaffected");
    }

    // ---- raw sockets ----

    private enum Mode { PARTIAL_REQUEST, AFTER_ONE_REQUEST, PIPELINED, SILENT }

    /**
     * A connection that sends part of a request (after a whole one, on a keep-alive connection), then one header
     * line each time it is told to; or one that sends nothing at all.
     */
    private static final class Trickler {
        final Mode mode;
        final Socket socket;
        final long openedNanos;
        final CompletableFuture<String> closed;
        volatile long closedNanos;

        Trickler(int port, Mode mode) throws IOException {
            this.mode = mode;
            socket = connect(port);
            if (mode == Mode.AFTER_ONE_REQUEST) {
                socket.getOutputStream().write(request("GET", "/health/live", "").getBytes(StandardCharsets.US_ASCII));
                String first = readResponse(socket.getInputStream());
                if (!first.startsWith("HTTP/1.1 200")) {
                    throw new IllegalStateException("first request answered " + first);
                }
            }
            openedNanos = System.nanoTime();
            // A pipelined partial request comes in the same write as a whole one.
            String whole = mode == Mode.PIPELINED ? request("GET", "/health/live", "") : "";
            if (mode != Mode.SILENT) {
                socket.getOutputStream().write((whole + "GET /health/ready HTTP/1.1\r\nHost: x\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            closed = CompletableFuture.supplyAsync(() -> {
                String answer = readToEndUnchecked(socket);
                closedNanos = System.nanoTime();
                return answer;
            }, READERS);
        }

        void send() {
            if (mode != Mode.SILENT && !closed.isDone()) {
                try {
                    socket.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // closed by the server; the reader records when
                }
            }
        }

        long closedAfterMs(long waitMs) throws Exception {
            closed.get(waitMs, TimeUnit.MILLISECONDS);
            return TimeUnit.NANOSECONDS.toMillis(closedNanos - openedNanos);
        }

        String answer() {
            return closed.join();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    private static void trickle(List<Trickler> tricklers, long forMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(forMs);
        while (System.nanoTime() < end && !tricklers.stream().allMatch(t -> t.closed.isDone())) {
            tricklers.forEach(Trickler::send);
            Thread.sleep(TRICKLE_INTERVAL_MS);
        }
    }

    private static void awaitOpen(Gateway g, int count) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (g.openConnections() != count && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(g.openConnections(), is(count));
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), SOCKET_TIMEOUT_MS);
        s.setSoTimeout(SOCKET_TIMEOUT_MS);
        return s;
    }

    private static String request(String method, String path, String extraHeaders) {
        return method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + extraHeaders + "\r\n";
    }

    /** Reads one response with a Content-Length body, leaving the connection open. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Everything until the server closes (a reset after the answer counts as the end too). */
    private static String readToEnd(InputStream in) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                all.write(buffer, 0, n);
            }
        } catch (IOException reset) {
            // the server closed with bytes of ours unread
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    private static String readToEndUnchecked(Socket s) {
        try {
            return readToEnd(s.getInputStream());
        } catch (IOException e) {
            return "";
        }
    }
}
