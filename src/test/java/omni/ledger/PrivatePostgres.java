package omni.ledger;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own ({@code initdb} + {@code pg_ctl} on a temporary data directory and a
 * free port, never the shared server on 5432), so that a test can stop it, freeze it (SIGSTOP) or fill its disk.
 * PostgreSQL refuses to run as root, so its commands run as the {@code postgres} user through {@code runuser}
 * when the test runs as root. Durable like a production server: fsync and synchronous_commit stay on.
 */
final class PrivatePostgres implements AutoCloseable {
    /** initdb of a small cluster and a start each take a few seconds; generous for a busy shared machine. */
    private static final long COMMAND_WAIT_S = 120;

    private final Path dir;
    private final int port;
    /** Server options beyond port, socket directory, address and connection count (TLS); "" for none. */
    private String extraOptions = "";

    private PrivatePostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** A new cluster on a free port, started, with trust authentication for user {@code postgres}. */
    static PrivatePostgres start() throws IOException, InterruptedException {
        PrivatePostgres pg = initialized();
        pg.startServer();
        return pg;
    }

    /**
     * The same with {@code ssl=on} and {@code server}'s certificate chain and key (copied into the cluster's
     * directory, owned by postgres, the key mode 0600 as PostgreSQL demands); clients may still connect without TLS.
     */
    static PrivatePostgres startWithTls(Path chain, Path key) throws IOException, InterruptedException {
        PrivatePostgres pg = initialized();
        Path cert = Files.copy(chain, pg.dir.resolve("server.pem"));
        Path serverKey = Files.copy(key, pg.dir.resolve("server.key"));
        run("chown", "postgres:postgres", cert.toString(), serverKey.toString());
        run("chmod", "600", serverKey.toString());
        pg.extraOptions = " -c ssl=on -c ssl_cert_file=" + cert + " -c ssl_key_file=" + serverKey;
        pg.startServer();
        return pg;
    }

    private static PrivatePostgres initialized() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("omni-pg-");
        run("chown", "postgres:postgres", dir.toString());
        PrivatePostgres pg = new PrivatePostgres(dir, freePort());
        pg.asPostgres(bin("initdb"), "-D", pg.data().toString(), "-A", "trust", "-U", "postgres",
                "--no-instructions", "-E", "UTF8");
        return pg;
    }

    /** Whether this machine can run a private server (PostgreSQL's binaries and a postgres user). */
    static boolean available() {
        return Files.isExecutable(Path.of(bin("pg_ctl"))) && Files.isExecutable(Path.of("/usr/sbin/runuser"));
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    void startServer() throws IOException, InterruptedException {
        asPostgres(bin("pg_ctl"), "-D", data().toString(), "-l", dir.resolve("server.log").toString(), "-w",
                "-t", Long.toString(COMMAND_WAIT_S), "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=40" + extraOptions,
                "start");
    }

    /** {@code pg_ctl stop -m immediate}: the server dies as on a power cut and recovers from WAL at its start. */
    void stopServer() throws IOException, InterruptedException {
        asPostgres(bin("pg_ctl"), "-D", data().toString(), "-w", "-m", "immediate", "stop");
    }

    /** SIGSTOP (or SIGCONT) to the postmaster and every backend, so connections stay open but nothing answers. */
    void signalAll(String signal) throws IOException, InterruptedException {
        long postmaster = Long.parseLong(Files.readAllLines(data().resolve("postmaster.pid")).get(0).trim());
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(postmaster)));
        ProcessHandle.of(postmaster).ifPresent(p -> p.descendants()
                .forEach(d -> command.add(Long.toString(d.pid()))));
        run(command.toArray(String[]::new));
    }

    Path data() {
        return dir.resolve("data");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            signalAll("CONT");
            stopServer();
        } catch (IOException | RuntimeException e) {
            // Already stopped: nothing to end.
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void asPostgres(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            full.addAll(List.of("/usr/sbin/runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(COMMAND_WAIT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no exit within " + COMMAND_WAIT_S + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
    }

    private static String bin(String name) {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin").resolve(name)).filter(Files::isExecutable)
                    .max(Comparator.naturalOrder()).map(Path::toString).orElse("/usr/bin/" + name);
        } catch (IOException e) {
            return "/usr/bin/" + name;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
