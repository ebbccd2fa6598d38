package omni.bus;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import omni.config.Pem;
import omni.config.TestCertificates;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A redis-server of the test's own on a free port (never the shared one on 6379), stopped and restarted to cut
 * Redis off. It writes an append-only file (fsync always) into a temporary directory, so that what Redis
 * acknowledged before a stop is still there after the restart, as with a production Redis that persists.
 */
final class PrivateRedis implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final String password;
    private final boolean persistent;
    /** With TLS only: the server's certificate and key, and what its clients trust; null for plain TCP. */
    private final TestCertificates.Server tls;
    private final SSLContext trust;
    private Process process;

    private PrivateRedis(int port, Path dir, String password, boolean persistent) {
        this(port, dir, password, persistent, null, null);
    }

    private PrivateRedis(int port, Path dir, String password, boolean persistent, TestCertificates.Server tls,
                         SSLContext trust) {
        this.port = port;
        this.dir = dir;
        this.password = password;
        this.persistent = persistent;
        this.tls = tls;
        this.trust = trust;
    }

    /**
     * A server that speaks only TLS ({@code --port 0 --tls-port}), presenting {@code server}'s certificate and not
     * asking clients for one; its own client trusts {@code ca}. Not started.
     */
    static PrivateRedis withTls(TestCertificates.Server server, Path ca) throws IOException {
        return new PrivateRedis(freePort(), Files.createTempDirectory("omni-redis-tls-"), null, false, server,
                Pem.trustContext("test CA", ca));
    }

    /** A Redis as a cache is usually run: no append-only file, no snapshots, so a restart comes back empty. */
    static PrivateRedis withoutPersistence() throws IOException {
        return new PrivateRedis(freePort(), Files.createTempDirectory("omni-redis-"), null, false);
    }

    /** A free port and a directory; not started. */
    static PrivateRedis onFreePort() throws IOException {
        return onFreePort(null);
    }

    /** The same, with {@code requirepass password} when not null. */
    static PrivateRedis onFreePort(String password) throws IOException {
        return new PrivateRedis(freePort(), Files.createTempDirectory("omni-redis-"), password, true);
    }

    /** A client of this server (authenticated when it has a password, over TLS when it speaks TLS). */
    @SuppressWarnings("deprecation") // sslSocketFactory: as RedisTarget gives Jedis its trust
    Jedis client() {
        if (tls == null) {
            return client(port, password);
        }
        return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                .serverDefaultProtocol().timeoutMillis(2_000).ssl(true).sslSocketFactory(trust.getSocketFactory())
                .build());
    }

    /** A test client of the Redis on {@code port} on this machine (the shared one is 6379). */
    static Jedis client(int port, String password) {
        return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                .serverDefaultProtocol().timeoutMillis(2_000).password(password).build());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    String url() {
        return (tls == null ? "redis://" : "rediss://") + "127.0.0.1:" + port;
    }

    /** Starts redis-server and waits until it answers PING (at most 10 s). */
    void start() throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("redis-server",
                "--port", tls == null ? Integer.toString(port) : "0", "--bind", "127.0.0.1", "--save", "", "--appendonly", persistent ? "yes" : "no",
                "--appendfsync", "always", "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
        if (password != null) {
            command.addAll(java.util.List.of("--requirepass", password));
        }
        if (tls != null) {
            command.addAll(java.util.List.of("--tls-port", Integer.toString(port), "--tls-cert-file", tls.chain().toString(),
                    "--tls-key-file", tls.key().toString(), "--tls-auth-clients", "no"));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try (Jedis jedis = client()) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (RuntimeException e) {
                if (System.currentTimeMillis() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("redis-server on port " + port + " did not start; see " + dir, e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** SIGTERM, as an operator's restart does; waits for the process to end. */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** SIGKILL, as a crash does: nothing is flushed beyond what the append-only file already holds. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** SIGSTOP or SIGCONT: a frozen server keeps its connections open and answers nothing. */
    void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            signal("CONT");
        }
        stop();
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
