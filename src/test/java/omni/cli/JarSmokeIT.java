package omni.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * The built artifact as a user meets it: dist/omni (the launcher, which finds a Java 21+ itself) running the shaded
 * target/omni.jar on a free port with a fresh data directory. Run by failsafe after the jar is built (mvn verify).
 */
class JarSmokeIT {
    private static final Path JAR = Path.of("target/omni.jar").toAbsolutePath();
    private static final Path LAUNCHER = Path.of("dist/omni").toAbsolutePath();
    private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    // Done-when bound of the foundation issue: ready within 3 s of launch (goal 1.5 s).
    private static final long READY_MS_MAX = Long.getLong("omni.smoke.readyMsMax", 3_000);
    private static final long EXIT_SECONDS_MAX = 10;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private record Launch(Process process, URI base, long readyMs) {
    }

    private Launch launch(Path dataDir, Path cdsDir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path stderr = dataDir.resolveSibling(dataDir.getFileName() + ".stderr.log");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "--http-host", "127.0.0.1",
                "--http-port", Integer.toString(port), "--data-dir", dataDir.toString())
                .directory(dataDir.toFile())
                // stdout carries only the start-up lines; logs go to stderr, kept beside the data for failures.
                .redirectError(stderr.toFile());
        pb.environment().put("OMNI_JAR", JAR.toString());
        pb.environment().put("OMNI_CDS_DIR", cdsDir.toString());
        long launchedNs = System.nanoTime();
        Process process = pb.start();
        URI base = URI.create("http://127.0.0.1:" + port);
        return new Launch(process, base, waitForReady(base, launchedNs, process, stderr));
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy(); // SIGTERM
        assertThat("exited within " + EXIT_SECONDS_MAX + " s", process.waitFor(EXIT_SECONDS_MAX, TimeUnit.SECONDS), is(true));
        assertThat(process.exitValue(), is(0));
    }

    @Test
    void launcherStartsServesAndStopsCleanlyOnSigterm() throws Exception {
        Path dataDir = Files.createTempDirectory("omni-smoke");
        Path cdsDir = Files.createTempDirectory("omni-smoke-cds");
        Launch first = launch(dataDir, cdsDir);
        try {
            System.out.println("smoke: first launch (no class-data archive yet) ready after " + first.readyMs() + " ms");
            BufferedReader out = new BufferedReader(new InputStreamReader(first.process().getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready, startsWith("OMNI "));
            assertThat(ready, containsString(" ready at " + first.base() + " \u2014 storage: "));
            assertThat(ready, containsString("not for production"));
            assertThat(out.readLine(), containsString(dataDir.resolve("admin.token").toString()));

            String token = Files.readString(dataDir.resolve("admin.token")).trim();
            assertThat(send(first.base(), "GET", "/api/v1/node", token).statusCode(), is(200));
            HttpResponse<String> anonymous = send(first.base(), "POST", "/api/v1/transactions", null);
            assertThat(anonymous.statusCode(), is(401));
            assertThat(anonymous.headers().firstValue("Content-Type").orElse(""), is("application/problem+json"));
            stop(first.process());
        } finally {
            first.process().destroyForcibly();
        }

        Launch second = launch(dataDir, cdsDir);
        try {
            stop(second.process());
        } finally {
            second.process().destroyForcibly();
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.println("smoke: second launch ready after " + second.readyMs() + " ms (load average " + load
                + " on " + cores + " cores)");
        if (load > cores) {
            // Start-up is CPU-bound; on a saturated machine wall time measures the other processes, not OMNI.
            System.out.println("smoke: machine saturated, the " + READY_MS_MAX + " ms bound is not asserted");
        } else {
            assertThat("ms from launch to ready", second.readyMs(), lessThanOrEqualTo(READY_MS_MAX));
        }
    }

    private long waitForReady(URI base, long launchedNs, Process process, Path stderr) throws Exception {
        long deadlineNs = launchedNs + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadlineNs) {
            if (!process.isAlive()) {
                throw new AssertionError("omni exited with " + process.exitValue() + ": "
                        + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                        + " (stderr in " + stderr + ")");
            }
            try {
                if (send(base, "GET", "/health/ready", null).statusCode() == 200) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launchedNs);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(10);
        }
        throw new AssertionError("not ready within 30 s");
    }

    private HttpResponse<String> send(URI base, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void java17GetsOneClearLineAndExit1() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(JAVA_17), "no Java 17 at " + JAVA_17);
        Process p = new ProcessBuilder(JAVA_17.toString(), "-jar", JAR.toString()).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.waitFor(), is(1));
        assertThat(lines, hasSize(1));
        assertThat(lines.get(0), startsWith("OMNI needs Java 21 or newer, but found Java 17"));
    }
}
