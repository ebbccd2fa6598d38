package omni.ledger;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code omni serve} as a separate JVM on the test's class path, a free port and a given data directory (and
 * PostgreSQL when a URL is given), so that a test can kill it with SIGKILL and start it again on the same storage.
 */
final class NodeProcess {
    /** A JVM start plus recovery of a test-sized ledger on a shared, busy machine. */
    private static final long READY_WAIT_MS = 90_000;

    private final Process process;
    private final Path log;
    final int port;

    private NodeProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static NodeProcess start(Path dataDir, String dbUrl, String token, String logName) throws IOException {
        int port = freePort();
        Path log = dataDir.resolve(logName);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "omni.cli.Main", "serve");
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("OMNI_"));
        env.put("OMNI_HTTP_HOST", "127.0.0.1");
        env.put("OMNI_HTTP_PORT", Integer.toString(port));
        env.put("OMNI_DATA_DIR", dataDir.toString());
        env.put("OMNI_ADMIN_TOKEN", token);
        if (dbUrl != null) {
            env.put("OMNI_DB_URL", dbUrl);
            env.put("OMNI_DB_USER", TestDatabases.USER);
        }
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new NodeProcess(pb.start(), log, port);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Waits for /health/ready to answer 200; fails with the node's log if it dies or takes too long. */
    void awaitReady() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadlineMs = System.currentTimeMillis() + READY_WAIT_MS;
        while (System.currentTimeMillis() < deadlineMs) {
            if (!process.isAlive()) {
                throw new AssertionError("node exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(50);
        }
        throw new AssertionError("node not ready after " + READY_WAIT_MS + " ms:\n" + tail());
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and wait for a clean exit. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("node did not stop within 20 s of SIGTERM:\n" + tail());
        }
    }

    String tail() {
        try {
            String text = Files.readString(log);
            return text.length() <= 6_000 ? text : text.substring(text.length() - 6_000);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
