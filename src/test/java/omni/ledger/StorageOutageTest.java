package omni.ledger;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;

/**
 * PostgreSQL behind a TCP proxy that the test cuts under load. Writes answer 503 with
 * Retry-After, /health/ready says why, nothing unacknowledged is reported; when the proxy is restored the node
 * turns ready again without a restart, every lost batch resubmitted answers accepted or exists, and the stored
 * ledger is exact.
 */
class StorageOutageTest {
    private static final int WORKER_COUNT = 3;
    private static final int ACCOUNT_COUNT = 60;
    private static final int BATCH_SIZE = 50;
    /** Readiness follows an outage within a probe or two (1 s each); generous for a busy shared machine. */
    private static final long STATE_WAIT_MS = 30_000;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong unavailableCount = new AtomicLong();
    private final AtomicReference<Throwable> loadFailure = new AtomicReference<>();

    @Test
    void cutStorageUnderLoadThenRecoverWithoutRestart() throws Exception {
        long seed = Long.getLong("omni.outage.seed", System.nanoTime());
        System.out.println("StorageOutageTest seed=" + seed);
        String database = TestDatabases.create("outage");
        Path dataDir = Files.createTempDirectory("omni-outage");
        Shutdown shutdown = new Shutdown();
        try (TcpProxy proxy = new TcpProxy(5432)) {
            byte[] secret = new byte[32];
            new SplittableRandom(seed).nextBytes(secret);
            String token = HexFormat.of().formatHex(secret);
            Settings settings = Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                    Setting.DATA_DIR, dataDir.toString(), Setting.ADMIN_TOKEN, token,
                    Setting.DB_URL, "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database,
                    Setting.DB_USER, TestDatabases.USER));
            var node = omni.cli.ServeCommand.start(settings, shutdown);
            LedgerClient client = new LedgerClient("http://127.0.0.1:" + node.gateway().port(), token, 5_000,
                    ACCOUNT_COUNT);
            awaitReadiness(client, 200, "UP");
            client.mint();
            List<LedgerClient.Worker> workers = new ArrayList<>();
            List<Thread> load = startLoad(client, workers, seed);
            Thread.sleep(1_000);
            proxy.cut();
            awaitReadiness(client, 503, "storage");
            LedgerClient.Answer refused = client.post("[]".getBytes());
            assertEquals(503, refused.status(), "a write during the outage: " + refused.body());
            assertEquals("1", refused.retryAfter(), "Retry-After of a write during the outage");
            assertThat(refused.body(), containsString("storage unavailable"));
            assertEquals(503, client.get("/api/v1/accounts/0").status(), "balances are not shown from a kernel that "
                    + "may hold uncommitted effects");
            Thread.sleep(1_500);
            assertThat("503 answers seen by the load", unavailableCount.get(), greaterThan(0L));
            proxy.restore();
            awaitReadiness(client, 200, "UP");
            Thread.sleep(1_000);
            stop.set(true);
            for (Thread t : load) {
                t.join();
            }
            if (loadFailure.get() != null) {
                throw new AssertionError("a client failed", loadFailure.get());
            }
            for (LedgerClient.Worker worker : workers) {
                if (worker.hasPending()) {
                    assertEquals(LedgerClient.Outcome.ACKNOWLEDGED, worker.send(BATCH_SIZE, new SplittableRandom(seed)));
                }
            }
            assertEquals(0, client.balanceSum(), "balances of the issuer and every account");
            shutdown.run();
            try (PostgresStore store = new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "")) {
                client.verifyStored(store);
            }
        } finally {
            shutdown.run();
            TestDatabases.drop(database);
        }
    }

    /** A database unreachable at start leaves the node up, not ready, saying why; no fallback. */
    @Test
    void aNodeStartedWhileTheDatabaseIsDownTurnsReadyWhenItAnswers() throws Exception {
        String database = TestDatabases.create("outage_start");
        Shutdown shutdown = new Shutdown();
        try (TcpProxy proxy = new TcpProxy(5432)) {
            proxy.cut();
            String token = "c".repeat(64);
            Settings settings = Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                    Setting.DATA_DIR, Files.createTempDirectory("omni-outage-start").toString(),
                    Setting.ADMIN_TOKEN, token,
                    Setting.DB_URL, "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database,
                    Setting.DB_USER, TestDatabases.USER));
            var node = omni.cli.ServeCommand.start(settings, shutdown);
            LedgerClient client = new LedgerClient("http://127.0.0.1:" + node.gateway().port(), token, 7_000, 5);
            awaitReadiness(client, 503, "opening postgresql 127.0.0.1:" + proxy.port());
            LedgerClient.Answer refused = client.post("[]".getBytes());
            assertEquals(503, refused.status(), refused.body());
            assertThat(node.ledger().node().storage().description(), containsString("postgresql"));
            proxy.restore();
            awaitReadiness(client, 200, "UP");
            client.mint();
            assertEquals(0, client.balanceSum());
        } finally {
            shutdown.run();
            TestDatabases.drop(database);
        }
    }

    private List<Thread> startLoad(LedgerClient client, List<LedgerClient.Worker> workers, long seed) {
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WORKER_COUNT; w++) {
            LedgerClient.Worker worker = client.worker(w, WORKER_COUNT);
            workers.add(worker);
            SplittableRandom random = new SplittableRandom(seed + w);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    while (!stop.get()) {
                        LedgerClient.Outcome outcome = worker.send(BATCH_SIZE, random);
                        if (outcome == LedgerClient.Outcome.UNAVAILABLE) {
                            unavailableCount.incrementAndGet();
                            Thread.sleep(50);
                        } else if (outcome == LedgerClient.Outcome.LOST) {
                            throw new AssertionError("the node stayed up, yet a request got no HTTP answer");
                        }
                    }
                } catch (Throwable e) {
                    loadFailure.set(e);
                }
            }));
        }
        return threads;
    }

    /** Polls /health/ready until it answers {@code status} with {@code bodyPart} in its body. */
    private static void awaitReadiness(LedgerClient client, int status, String bodyPart) throws Exception {
        long deadlineMs = System.currentTimeMillis() + STATE_WAIT_MS;
        LedgerClient.Answer last = null;
        while (System.currentTimeMillis() < deadlineMs) {
            last = client.get("/health/ready");
            if (last.status() == status && last.body().contains(bodyPart)) {
                System.out.println("readiness " + status + ": " + last.body());
                return;
            }
            Thread.sleep(50);
        }
        assertThat("readiness after " + STATE_WAIT_MS + " ms (status " + last.status() + ")", last.body(),
                containsString(bodyPart));
        assertEquals(status, last.status());
    }
}
