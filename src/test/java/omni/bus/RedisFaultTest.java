package omni.bus;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import omni.ReliabilityLog;
import omni.ledger.EmbeddedStore;
import omni.ledger.StoreEventSource;
import org.junit.jupiter.api.Test;

/**
 * Redis itself fails while the ledger keeps committing: a private redis-server is killed with SIGKILL
 * {@link #KILL_COUNT} times at seeded moments and restarted, or frozen with SIGSTOP. Commits never wait for
 * Redis, and a stream consumer that reconnects whenever Redis is gone ends with every position exactly once, in
 * order, and every checkpoint. Rerun one with {@code -Domni.fault.seed=<printed seed>}.
 */
class RedisFaultTest {
    private static final int KILL_COUNT = Integer.getInteger("omni.fault.redis.kills", 5);
    /** Redis down for 0.2 to 1.2 s each time: shorter and longer than the bus's 1 s reconnect cadence. */
    private static final int DOWN_MS_MIN = 200;
    private static final int DOWN_MS_SPREAD = 1_000;
    /** A frozen Redis is noticed by the bus's socket timeout (2 s) and PING cadence: well past both. */
    private static final int FREEZE_MS = 6_000;
    /** Commits of this many transfers every COMMIT_INTERVAL_MS, about 2,500 transfers/s. */
    private static final int COMMIT_SIZE = 50;
    private static final long COMMIT_INTERVAL_MS = 20;
    /** A batch's append on the embedded store takes milliseconds; one that waits this long waited for Redis. */
    private static final long COMMIT_MS_MAX = 1_500;
    private static final long DRAIN_WAIT_MS = 30_000;

    @Test
    void killedFiveTimesUnderCommits() throws Exception {
        long seed = Long.getLong("omni.fault.seed", System.nanoTime());
        System.out.println("RedisFaultTest kill seed=" + seed);
        SplittableRandom random = new SplittableRandom(seed);
        String held = underCommits(seed, redis -> {
            for (int kill = 1; kill <= KILL_COUNT; kill++) {
                Thread.sleep(300 + random.nextInt(700));
                redis.kill();
                int downMs = DOWN_MS_MIN + random.nextInt(DOWN_MS_SPREAD);
                System.out.println("kill " + kill + ": redis down for " + downMs + " ms");
                Thread.sleep(downMs);
                redis.start();
            }
        });
        ReliabilityLog.held("Redis killed (SIGKILL) while committing", KILL_COUNT + " kills, down 0.2-1.2 s each,"
                + " seed " + seed, held);
    }

    @Test
    void frozenUnderCommits() throws Exception {
        long seed = Long.getLong("omni.fault.seed", System.nanoTime());
        System.out.println("RedisFaultTest freeze seed=" + seed);
        String held = underCommits(seed, redis -> {
            Thread.sleep(500);
            redis.signal("STOP");
            Thread.sleep(FREEZE_MS);
            redis.signal("CONT");
        });
        ReliabilityLog.held("Redis frozen (SIGSTOP) while committing", FREEZE_MS / 1000 + " s frozen, seed " + seed,
                held);
    }

    interface Fault {
        void on(PrivateRedis redis) throws Exception;
    }

    /** Commits on a thread of its own while {@code fault} runs; returns what held, for the reliability table. */
    private static String underCommits(long seed, Fault fault) throws Exception {
        Path dir = Files.createTempDirectory("omni-redis-fault-");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong slowestCommitMs = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (EmbeddedStore store = new EmbeddedStore(dir); PrivateRedis redis = PrivateRedis.onFreePort()) {
            store.open("omni");
            StoreLedger ledger = new StoreLedger(store, seed);
            StoreEventSource source = new StoreEventSource(store);
            redis.start();
            RedisBus bus = new RedisBus(redis.url(), source);
            bus.start();
            StreamConsumer consumer = new StreamConsumer(redis, RedisBus.DEFAULT_KEY_PREFIX, source);
            Thread committer = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; !stop.get(); i++) {
                        long startMs = System.currentTimeMillis();
                        ledger.append(COMMIT_SIZE, bus);
                        if (i % 50 == 49) {
                            ledger.checkpoint(bus);
                        }
                        slowestCommitMs.accumulateAndGet(System.currentTimeMillis() - startMs, Math::max);
                        Thread.sleep(COMMIT_INTERVAL_MS);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            fault.on(redis);
            Thread.sleep(1_000);
            stop.set(true);
            committer.join();
            if (failure.get() != null) {
                throw new AssertionError("committing failed", failure.get());
            }
            // One more commit, so that the closing checkpoint has something to seal whatever the loop did last.
            ledger.append(COMMIT_SIZE, bus);
            ledger.checkpoint(bus);
            assertThat("the consumer read every commit and checkpoint within " + DRAIN_WAIT_MS + " ms",
                    consumer.awaitAll(DRAIN_WAIT_MS), is(true));
            Coverage coverage = consumer.stop();
            assertThat(coverage.problems(), empty());
            assertThat(coverage.deliveredPosition(), is(store.lastPosition()));
            assertThat("slowest commit (ms) while Redis was down: commits never wait for Redis",
                    slowestCommitMs.get() <= COMMIT_MS_MAX, is(true));
            bus.close();
            return "commits went on (slowest " + slowestCommitMs.get() + " ms); the consumer read positions 1.."
                    + store.lastPosition() + " exactly once in order and checkpoints 1.." + coverage.deliveredSeq();
        } finally {
            stop.set(true);
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
