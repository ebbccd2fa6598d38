package omni.bus;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.Jedis;

/**
 * The committer's view of the bus: publishCommit of one 1,000-transfer batch, as fast as one thread can, with the
 * in-process bus and with the Redis bus (whose thread meanwhile encodes JSON and pipelines XADD + PUBLISH on the
 * same CPUs). Score x 1,000 = transfers/s the bus lets a committer announce. After each iteration the Redis case
 * prints how many positions Redis confirmed per second (what it kept up with; the rest is replayed from the ledger).
 * Redis is a private redis-server started here (never the shared one), streams capped at 1,000 entries.
 *
 * <p>{@code mvn -Pjmh test-compile exec:exec -Djmh.args="BusPublishBenchmark.publishCommit -f 1 -wi 1 -w 5s -i 2 -r 8s"}
 * and {@code ...="BusPublishBenchmark.commitWithWork -f 1 -wi 1 -w 5s -i 2 -r 8s"} (each about 50 s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BusPublishBenchmark {
    private static final int IDS_PER_EVENT = 1_000;
    private static final long COMMIT_WORK_TOKENS = 1_000_000;

    @Param({"in-process", "redis"})
    public String bus;

    private final SyntheticSource source = new SyntheticSource();
    private final byte[] ids = new byte[IDS_PER_EVENT * 32];
    private EventBus eventBus;
    private Process redis;
    private Path redisDir;
    private long iterationStartPosition;
    private long iterationStartNs;
    private long busThreadStartCpuNs;
    private long redisStartCpuTicks;

    @Setup(Level.Trial)
    public void start() throws Exception {
        new java.util.Random(1).nextBytes(ids);
        if (bus.equals("in-process")) {
            eventBus = new InProcessBus();
        } else {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            redisDir = Files.createTempDirectory("omni-bench-redis-");
            redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", redisDir.toString())
                    .redirectErrorStream(true).redirectOutput(redisDir.resolve("redis.log").toFile()).start();
            awaitRedis(port);
            eventBus = new RedisBus("redis://127.0.0.1:" + port, source, RedisBus.DEFAULT_KEY_PREFIX, 1_000);
        }
        eventBus.start();
    }

    private static void awaitRedis(int port) throws InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (Jedis jedis = PrivateRedis.client(port, null)) {
                jedis.ping();
                return;
            } catch (RuntimeException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    @Setup(Level.Iteration)
    public void mark() throws IOException {
        iterationStartPosition = eventBus instanceof RedisBus redisBus ? redisBus.publishedPosition() : 0;
        iterationStartNs = System.nanoTime();
        busThreadStartCpuNs = busThreadCpuNs();
        redisStartCpuTicks = redisCpuTicks();
    }

    /** CPU time of the Redis bus thread so far (0 for the in-process bus, which has no thread). */
    private static long busThreadCpuNs() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("omni-bus-redis")) {
                return threads.getThreadCpuTime(thread.threadId());
            }
        }
        return 0;
    }

    /** utime + stime of the redis-server process, in clock ticks (proc(5)). */
    private long redisCpuTicks() throws IOException {
        if (redis == null) {
            return 0;
        }
        String stat = Files.readString(Path.of("/proc/" + redis.pid() + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    @Benchmark
    public void publishCommit() {
        long first = source.commit(IDS_PER_EVENT);
        eventBus.publishCommit(first, first + IDS_PER_EVENT - 1, ids, 0);
    }

    /** What Redis kept up with, and what that cost in CPU per transfer (bus thread; redis-server at 100 ticks/s). */
    /**
     * A paced committer: CPU work standing in for validation and the database round trip of one 1,000-transfer
     * batch, then publishCommit. Sized (1M tokens, a few ms here) so that the in-process score lands near the
     * node's few hundred batches per second; the Redis score beside it is the "within 10%" question.
     */
    @Benchmark
    public void commitWithWork() {
        org.openjdk.jmh.infra.Blackhole.consumeCPU(COMMIT_WORK_TOKENS);
        publishCommit();
    }

    @TearDown(Level.Iteration)
    public void report() throws IOException {
        if (eventBus instanceof RedisBus redisBus) {
            double seconds = (System.nanoTime() - iterationStartNs) / 1e9;
            long confirmed = redisBus.publishedPosition() - iterationStartPosition;
            double busNsPerTransfer = (double) (busThreadCpuNs() - busThreadStartCpuNs) / Math.max(1, confirmed);
            double redisNsPerTransfer = (redisCpuTicks() - redisStartCpuTicks) * 10_000_000.0 / Math.max(1, confirmed);
            System.out.printf("%n  redis confirmed %.0f transfers/s (%.0f events/s of 1,000); CPU per transfer: bus thread"
                            + " %.0f ns, redis-server %.0f ns; %s%n", confirmed / seconds, confirmed / seconds / IDS_PER_EVENT,
                    busNsPerTransfer, redisNsPerTransfer, redisBus.state().describe());
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException, InterruptedException {
        eventBus.close();
        if (redis != null) {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
            try (var paths = Files.walk(redisDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** A ledger whose id of position p is p's 8 bytes, four times: replays cost no storage. */
    static final class SyntheticSource implements EventSource {
        private final ConcurrentHashMap<String, Long> meta = new ConcurrentHashMap<>();
        private volatile long lastPosition;

        long commit(int count) {
            long first = lastPosition + 1;
            lastPosition = first + count - 1;
            return first;
        }

        @Override
        public long lastPosition() {
            return lastPosition;
        }

        @Override
        public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) {
            for (long position = fromPosition; position <= toPosition; position++) {
                for (int word = 0; word < 4; word++) {
                    for (int b = 0; b < 8; b++) {
                        out[outOffset++] = (byte) (position >>> (56 - 8 * b));
                    }
                }
            }
        }

        @Override
        public long latestCheckpointSeq() {
            return 0;
        }

        @Override
        public String checkpointJson(long seq) {
            return null;
        }

        @Override
        public long getMeta(String key, long missing) {
            return meta.getOrDefault(key, missing);
        }

        @Override
        public void putMeta(String key, long value) {
            meta.put(key, value);
        }
    }
}
