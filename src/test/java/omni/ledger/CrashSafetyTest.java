package omni.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import omni.cluster.MemberProcess;

/**
 * Under load from concurrent clients, {@code kill -9} the server at a seeded random moment and start it again on
 * the same storage, {@link #EMBEDDED_KILL_COUNT} times on the embedded store and {@link #POSTGRES_KILL_COUNT}
 * times on PostgreSQL (the production store); every acknowledged transfer is present exactly
 * once at the position it was acknowledged with, every unacknowledged batch resubmitted answers only accepted or
 * exists, the balances sum to 0, and at the end the stored ledger audits clean. Against the embedded store and
 * against PostgreSQL (a private database). Rerun a failure with {@code -Domni.crash.seed=<printed seed>}.
 */
class CrashSafetyTest {
    private static final int EMBEDDED_KILL_COUNT = Integer.getInteger("omni.crash.kills.embedded", 5);
    /** Each kill costs a JVM start and a recovery, about 3 s here: 20 keep the test near a minute. */
    private static final int POSTGRES_KILL_COUNT = Integer.getInteger("omni.crash.kills.postgres", 20);
    private static final int WORKER_COUNT = 4;
    private static final int ACCOUNT_COUNT = 100;
    private static final int BATCH_SIZE = 50;
    /** The kill comes 200 to 1,700 ms after the load starts: early, mid-commit, and after many commits. */
    private static final int KILL_DELAY_MS_MIN = 200;
    private static final int KILL_DELAY_MS_SPREAD = 1_500;

    @AfterEach
    void killNode() throws InterruptedException {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void embeddedStoreLosesNothingAcknowledgedAcrossKills() throws Exception {
        Path dataDir = Files.createTempDirectory("omni-crash-embedded");
        long seed = crashAndVerify(dataDir, null, EMBEDDED_KILL_COUNT);
        try (EmbeddedStore store = new EmbeddedStore(dataDir)) {
            client.verifyStored(store);
        }
        recordHeld("kill -9 under load, embedded store", EMBEDDED_KILL_COUNT, seed);
    }

    @Test
    void postgresLosesNothingAcknowledgedAcrossKills() throws Exception {
        String database = TestDatabases.create("crash");
        try {
            Path dataDir = Files.createTempDirectory("omni-crash-postgres");
            long seed = crashAndVerify(dataDir, TestDatabases.url(database), POSTGRES_KILL_COUNT);
            try (PostgresStore store = new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "")) {
                client.verifyStored(store);
            }
            recordHeld("kill -9 under load, PostgreSQL", POSTGRES_KILL_COUNT, seed);
        } finally {
            TestDatabases.drop(database);
        }
    }

    private LedgerClient client;
    /** The node process of the moment; killed after each test whatever its outcome. */
    private MemberProcess node;
    private List<LedgerClient.Worker> workers;
    private final AtomicReference<Throwable> loadFailure = new AtomicReference<>();

    private void recordHeld(String scenario, int killCount, long seed) {
        omni.ReliabilityLog.held(scenario, killCount + " kills at seeded moments, " + WORKER_COUNT
                + " clients, seed " + seed, "every one of " + client.acknowledged.size()
                + " acknowledged transfers stored once at its position; resubmissions accepted or exists; "
                + "balances sum to 0; audit clean");
    }

    /** Returns the seed it ran with. */
    private long crashAndVerify(Path dataDir, String dbUrl, int killCount) throws Exception {
        long seed = Long.getLong("omni.crash.seed", System.nanoTime());
        System.out.println("CrashSafetyTest seed=" + seed + " storage=" + (dbUrl == null ? "embedded" : dbUrl));
        SplittableRandom random = new SplittableRandom(seed);
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        node = MemberProcess.start(dataDir, dbUrl, token);
        node.awaitReady();
        client = new LedgerClient(node.url(), token, 1_000, ACCOUNT_COUNT);
        client.mint();
        workers = new ArrayList<>();
        for (int w = 0; w < WORKER_COUNT; w++) {
            workers.add(client.worker(w, WORKER_COUNT));
        }
        for (int kill = 1; kill <= killCount; kill++) {
            long killSeed = random.nextLong();
            int delayMs = KILL_DELAY_MS_MIN + new SplittableRandom(killSeed).nextInt(KILL_DELAY_MS_SPREAD);
            System.out.println("kill " + kill + ": seed " + killSeed + ", kill -9 after " + delayMs + " ms of load");
            List<Thread> load = startLoad(killSeed);
            Thread.sleep(delayMs);
            node.kill();
            for (Thread t : load) {
                t.join();
            }
            if (loadFailure.get() != null) {
                throw new AssertionError("a client failed during kill " + kill, loadFailure.get());
            }
            node.restart();
            resubmitUnacknowledged(killSeed);
            assertEquals(0, client.balanceSum(), "balances of the issuer and every account after kill " + kill);
            System.out.println("kill " + kill + ": " + client.acknowledged.size() + " transfers acknowledged so far");
        }
        node.stop();
        return seed;
    }

    /** One thread a worker, sending until the node dies under it (LOST); 503s are retried. */
    private List<Thread> startLoad(long killSeed) {
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WORKER_COUNT; w++) {
            LedgerClient.Worker worker = workers.get(w);
            SplittableRandom random = new SplittableRandom(killSeed + w);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (LedgerClient.Outcome o = worker.send(BATCH_SIZE, random); o != LedgerClient.Outcome.LOST;
                         o = worker.send(BATCH_SIZE, random)) {
                        if (o == LedgerClient.Outcome.UNAVAILABLE) {
                            Thread.sleep(20);
                        }
                    }
                } catch (Throwable e) {
                    loadFailure.set(e);
                }
            }));
        }
        return threads;
    }

    /** The batch each worker lost to the kill, sent again: every item must answer accepted or exists. */
    private void resubmitUnacknowledged(long killSeed) throws InterruptedException {
        for (LedgerClient.Worker worker : workers) {
            if (worker.hasPending()) {
                LedgerClient.Outcome outcome = worker.send(BATCH_SIZE, new SplittableRandom(killSeed));
                assertEquals(LedgerClient.Outcome.ACKNOWLEDGED, outcome, "resubmission after restart");
            }
        }
    }
}
