package omni.bus;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
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
    private Process process;

    private PrivateRedis(int port, Path dir, String password) {
        this.port = port;
        this.dir = dir;
        this.password = password;
    }

    /** A free port and a directory; not started. */
    static PrivateRedis onFreePort() throws IOException {
        return onFreePort(null);
    }

    /** The same, with {@code requirepass password} when not null. */
    static PrivateRedis onFreePort(String password) throws IOException {
        return new PrivateRedis(freePort(), Files.createTempDirectory("omni-redis-"), password);
    }

    /** A client of this server (authenticated when it has a password). */
    Jedis client() {
        return client(port, password);
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
        return "redis://127.0.0.1:" + port;
    }

    /** Starts redis-server and waits until it answers PING (at most 10 s). */
    void start() throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("redis-server",
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
        if (password != null) {
            command.addAll(java.util.List.of("--requirepass", password));
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
