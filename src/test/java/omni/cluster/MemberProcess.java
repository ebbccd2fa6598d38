package omni.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.EnumMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import omni.config.Setting;
import omni.ledger.TestDatabases;
import omni.proof.NodeKey;

/**
 * {@code omni serve} as a separate JVM on the test's class path, on one port and one data directory (and
 * PostgreSQL when a URL is given), so that a test can do to it what a machine does to a server: {@link #kill()}
 * it with SIGKILL, {@link #pause()} and {@link #resume()} it with SIGSTOP and SIGCONT, and {@link #restart()} it on
 * the same storage and port. A node alone is a cluster of one member; a cluster test starts several. Each start
 * (incarnation) writes its own log {@code omni-<n>.log} in the data directory.
 */
public final class MemberProcess implements AutoCloseable {
    /** A JVM start plus recovery of a test-sized ledger on a shared, busy machine. */
    private static final long READY_WAIT_MS = 90_000;
    /** A clean stop closes the gateway, the pipeline and the store: seconds, even under load. */
    private static final long STOP_WAIT_S = 20;
    /** Enough of the log to show a failed start or the last requests, short enough for a test report. */
    private static final int TAIL_CHARS_MAX = 6_000;
    /** {@code kill -STOP} and {@code -CONT} return at once; a longer wait means the machine is in trouble. */
    private static final long SIGNAL_WAIT_S = 10;
    /**
     * Fixed ports are drawn below Linux's default ephemeral range (32768-60999): a port from that range could be
     * taken by an outgoing connection while its member is down, and the restart would find it busy.
     */
    private static final int FIXED_PORT_MIN = 20_000;
    private static final int FIXED_PORT_MAX = 32_000;
    /** Draws tried for free fixed ports before giving up: the range is wide, a busy machine uses few of it. */
    private static final int FIXED_PORT_TRIES = 1_000;

    private final Path dataDir;
    private final String host;
    private final int port;
    private final Map<String, String> env;
    private final List<String> launcher;
    private volatile Process process;
    private volatile int incarnation;

    private MemberProcess(Path dataDir, String host, int port, Map<String, String> env, List<String> launcher) {
        this.dataDir = dataDir;
        this.host = host;
        this.port = port;
        this.env = env;
        this.launcher = launcher;
        // A test JVM that dies (or is killed) must not leave a member running on the shared machine.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
            }
        }));
    }

    /**
     * Starts a member on a free port of 127.0.0.1 with the admin token {@code adminToken}, the embedded store in
     * {@code dataDir} or the PostgreSQL database {@code dbUrl} (as the test server's user), and {@code settings}
     * passed as their environment variables; every other {@code OMNI_*} variable of the test's environment is
     * removed, so the member runs with OMNI's defaults. It does not wait: see {@link #awaitReady()}.
     */
    public static MemberProcess start(Path dataDir, String dbUrl, String adminToken, Map<Setting, String> settings)
            throws IOException {
        return start(dataDir, dbUrl, adminToken, settings, List.of());
    }

    /**
     * {@link #start(Path, String, String, Map)} with the JVM's command line behind {@code launcher} (e.g.
     * {@code ip netns exec NAME}, which execs the JVM, so the process is the JVM itself), and {@code settings} may
     * set {@link Setting#HTTP_HOST} (an address inside that namespace); the port must then be set too, since a free
     * port of this namespace says nothing about another.
     */
    public static MemberProcess start(Path dataDir, String dbUrl, String adminToken, Map<Setting, String> settings,
                                      List<String> launcher) throws IOException {
        Map<Setting, String> all = new EnumMap<>(Setting.class);
        all.putAll(settings);
        all.putIfAbsent(Setting.HTTP_HOST, "127.0.0.1");
        all.put(Setting.DATA_DIR, dataDir.toString());
        all.put(Setting.ADMIN_TOKEN, adminToken);
        if (dbUrl != null) {
            all.put(Setting.DB_URL, dbUrl);
            all.put(Setting.DB_USER, TestDatabases.USER);
        }
        int port = all.containsKey(Setting.HTTP_PORT) ? Integer.parseInt(all.get(Setting.HTTP_PORT)) : freePort();
        all.put(Setting.HTTP_PORT, Integer.toString(port));
        Map<String, String> env = new HashMap<>();
        all.forEach((setting, value) -> env.put(setting.env(), value));
        MemberProcess member = new MemberProcess(dataDir, all.get(Setting.HTTP_HOST), port, Map.copyOf(env),
                List.copyOf(launcher));
        member.launch();
        return member;
    }

    /** {@link #start(Path, String, String, Map)} with no further settings. */
    public static MemberProcess start(Path dataDir, String dbUrl, String adminToken) throws IOException {
        return start(dataDir, dbUrl, adminToken, Map.of());
    }

    /**
     * The settings of member {@code index} of a cluster on 127.0.0.1 whose members serve HTTP on {@code httpPorts}
     * and listen for cluster traffic on {@code clusterPorts} (see {@link #fixedPorts}): every member lists every
     * cluster port, and keeps its own two ports across restarts, as the others forward to its API URL.
     */
    public static Map<Setting, String> clusterSettings(int index, int[] httpPorts, int[] clusterPorts, String secret) {
        if (httpPorts.length != clusterPorts.length || index < 0 || index >= httpPorts.length) {
            throw new IllegalArgumentException("member " + index + " of " + httpPorts.length + " http ports and "
                    + clusterPorts.length + " cluster ports");
        }
        StringBuilder members = new StringBuilder();
        for (int port : clusterPorts) {
            members.append(members.isEmpty() ? "" : ",").append("127.0.0.1:").append(port);
        }
        Map<Setting, String> settings = new EnumMap<>(Setting.class);
        settings.put(Setting.HTTP_PORT, Integer.toString(httpPorts[index]));
        settings.put(Setting.CLUSTER_MEMBERS, members.toString());
        settings.put(Setting.CLUSTER_PORT, Integer.toString(clusterPorts[index]));
        settings.put(Setting.CLUSTER_SECRET, secret);
        return settings;
    }

    /** {@code count} distinct ports of 127.0.0.1 free now, outside the ephemeral range (see FIXED_PORT_MIN). */
    public static int[] fixedPorts(int count) {
        ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        Set<Integer> ports = new LinkedHashSet<>();
        for (int i = 0; i < FIXED_PORT_TRIES && ports.size() < count; i++) {
            int port = random.nextInt(FIXED_PORT_MIN, FIXED_PORT_MAX);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                ports.add(socket.getLocalPort());
            } catch (IOException e) {
                // Taken: draw another.
            }
        }
        if (ports.size() < count) {
            throw new IllegalStateException("no " + count + " free ports in " + FIXED_PORT_MIN + ".." + FIXED_PORT_MAX);
        }
        return ports.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Copies this member's {@code node.key} into {@code dataDir} (created if missing) before another member starts
     * there: every member of a cluster signs with the same key (docs/cluster.md).
     */
    public void copyNodeKeyTo(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Files.copy(this.dataDir.resolve(NodeKey.FILE_NAME), dataDir.resolve(NodeKey.FILE_NAME),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private void launch() throws IOException {
        Path log = log();
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "omni.cli.Main", "serve"));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("OMNI_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = pb.start();
    }

    public String url() {
        return "http://" + host + ":" + port;
    }

    /** Waits for /health/ready to answer 200; fails with the member's log if it dies or takes too long. */
    public void awaitReady() throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            long deadlineMs = System.currentTimeMillis() + READY_WAIT_MS;
            while (System.currentTimeMillis() < deadlineMs) {
                if (!process.isAlive()) {
                    throw new AssertionError("member exited with " + process.exitValue() + ":\n" + tail());
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
        }
        throw new AssertionError("member not ready after " + READY_WAIT_MS + " ms:\n" + tail());
    }

    /**
     * Fails with the exit code (137 for SIGKILL, 143 for SIGTERM) and the log's tail unless the current incarnation
     * still runs: a member that died of something other than the test is the first thing to know about.
     */
    public void assertRunning() {
        if (!process.isAlive()) {
            throw new AssertionError("member on port " + port + " (pid " + process.pid() + ") exited with "
                    + process.exitValue() + ":\n" + tail());
        }
    }

    /** SIGKILL, as {@code kill -9}: no shutdown hook runs, nothing is flushed. Works on a paused member too. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and wait for a clean exit. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_WAIT_S, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("member did not stop within " + STOP_WAIT_S + " s of SIGTERM:\n" + tail());
        }
    }

    /** SIGSTOP: the JVM freezes mid-whatever, its sockets stay open and its clients wait. */
    public void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** SIGCONT: a paused member runs on from where it stopped. */
    public void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    /**
     * Starts a new JVM on the same data directory, database, port and settings, logging to the next
     * {@code omni-<n>.log}; the current one must be dead (killed or stopped). Waits until it is ready.
     */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("member on port " + port + " (pid " + process.pid() + ") still runs");
        }
        incarnation++;
        launch();
        awaitReady();
    }

    /** The last part of the current incarnation's log. */
    public String tail() {
        try {
            String text = Files.readString(log());
            return text.length() <= TAIL_CHARS_MAX ? text : text.substring(text.length() - TAIL_CHARS_MAX);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The member's threads as {@code jcmd Thread.print} shows them: for a test that finds the member stuck. */
    public String threadDump() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes());
            jcmd.waitFor(SIGNAL_WAIT_S, TimeUnit.SECONDS);
            return out;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    /** How many lines of every incarnation's log so far contain {@code text}: for what a member must never log. */
    public long logLineCount(String text) throws IOException {
        long count = 0;
        for (int i = 0; i <= incarnation; i++) {
            Path file = dataDir.resolve("omni-" + i + ".log");
            if (Files.exists(file)) {
                try (Stream<String> lines = Files.lines(file)) {
                    count += lines.filter(line -> line.contains(text)).count();
                }
            }
        }
        return count;
    }

    /** Kills the member if it still runs: for a test's {@code finally} or {@code @AfterEach}, whatever happened. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    private Path log() {
        return dataDir.resolve("omni-" + incarnation + ".log");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes());
        if (!kill.waitFor(SIGNAL_WAIT_S, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill " + signal + " " + process.pid() + " failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
