package omni.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongToIntFunction;

import omni.cluster.HazelcastPartitioning;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferIds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two cluster members' engines on one real PostgreSQL database (docs/cluster.md): the owner table decides who
 * validates, a member applies what the other commits before it validates, a partition is taken over only once its
 * owner's lease lapsed, and the old owner's next commit is fenced and answered 503, never committed.
 */
class FencedCommitTest {
    private static final LongToIntFunction PARTITIONS = HazelcastPartitioning::partitionOf;
    private static final long LONG_LEASE_MS = 600_000;
    private static final long WAIT_MS = 30_000;

    private String database;
    private PostgresStore storeA;
    private PostgresStore storeB;
    private Engine a;
    private Engine b;

    @BeforeEach
    void createDatabase() throws Exception {
        database = TestDatabases.create("fenced");
        storeA = new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "");
        storeB = new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "");
    }

    @AfterEach
    void dropDatabase() throws Exception {
        for (Engine engine : new Engine[] {a, b}) {
            if (engine != null) {
                engine.close();
            }
        }
        storeA.close();
        storeB.close();
        TestDatabases.drop(database);
    }

    /**
     * A member that goes silent inside its fenced turn (cut off from the database, paused) holds the head row's
     * lock; PostgreSQL ends its session after {@link ClusterTables#TURN_IDLE_TIMEOUT_MS} idle, so the other member's
     * turn gets the lock then instead of waiting as long as the silence lasts, and the silent turn commits nothing.
     */
    @Test
    void aTurnSilentInsideItsTransactionLosesTheLockAfterTheIdleTimeout() throws Exception {
        storeA.open("omni");
        storeB.open("omni");
        long silenceMs = 3L * ClusterTables.TURN_IDLE_TIMEOUT_MS;
        CountDownLatch locked = new CountDownLatch(1);
        AtomicReference<Throwable> silentFailure = new AtomicReference<>();
        Thread silent = Thread.ofVirtual().start(() -> {
            try {
                storeA.fencedTurn("member-a", turn -> {
                    turn.lastPosition();
                    locked.countDown();
                    try {
                        Thread.sleep(silenceMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    turn.lastPosition();
                });
            } catch (Throwable t) {
                silentFailure.set(t);
            }
        });
        assertTrue(locked.await(WAIT_MS, TimeUnit.MILLISECONDS), "the silent turn started");
        long startNanos = System.nanoTime();
        storeB.fencedTurn("member-b", SharedStore.Turn::lastPosition);
        long waitedMs = (System.nanoTime() - startNanos) / 1_000_000;
        System.out.println("the other member's turn had the lock after " + waitedMs + " ms of a " + silenceMs
                + " ms silence inside a turn");
        assertTrue(waitedMs >= ClusterTables.TURN_IDLE_TIMEOUT_MS / 2 && waitedMs < silenceMs - 1_000,
                "the lock came free after " + waitedMs + " ms, the idle timeout is "
                        + ClusterTables.TURN_IDLE_TIMEOUT_MS);
        silent.join();
        assertNotNull(silentFailure.get(), "the silent turn's session was ended: its turn must fail");
        assertTrue(silentFailure.get() instanceof StoreException, silentFailure.get().toString());
    }

    /**
     * A member stopped in the middle of a COPY under the head lock is one PostgreSQL cannot end by itself (it reads
     * COPY data with cancels held off, so the statement timeout waits for the next row): the live members end that
     * turn once its member's lease lapsed and it has been open longer than a turn may be, and only that one: a turn
     * of a member whose lease is current, and the caller's own, are left alone.
     */
    @Test
    void aTurnStoppedInsideACopyIsEndedByTheOthersOnceItsLeaseLapsed() throws Exception {
        storeA.open("omni");
        storeB.open("omni");
        storeB.registerMember("member-a", "http://127.0.0.1:1", 1);
        storeB.registerMember("member-b", "http://127.0.0.1:2", LONG_LEASE_MS);
        storeB.registerMember("member-c", "http://127.0.0.1:3", LONG_LEASE_MS);
        String url = TestDatabases.url(database);
        try (Connection stalled = java.sql.DriverManager.getConnection(url, TestDatabases.USER, "");
             Connection current = java.sql.DriverManager.getConnection(url, TestDatabases.USER, "")) {
            stalled.setAutoCommit(false);
            current.setAutoCommit(false);
            try (Statement st = stalled.createStatement()) {
                st.execute("SET application_name = '" + ClusterTables.TURN_SESSION_PREFIX + "member-a'");
                st.execute("SET LOCAL statement_timeout = " + ClusterTables.TURN_IDLE_TIMEOUT_MS);
                st.execute("SELECT id FROM cluster_head WHERE id = 1 FOR UPDATE");
                st.execute("CREATE TEMP TABLE stalled_copy (x int)");
            }
            org.postgresql.copy.CopyIn copy = stalled.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                    .copyIn("COPY stalled_copy FROM STDIN");
            copy.writeToCopy("1\n2".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 3);
            copy.flushCopy();
            try (Statement st = current.createStatement()) {
                st.execute("SET application_name = '" + ClusterTables.TURN_SESSION_PREFIX + "member-c'");
                st.execute("SELECT 1");
            }
            long startNanos = System.nanoTime();
            AtomicReference<Throwable> waiting = new AtomicReference<>();
            Thread other = Thread.ofVirtual().start(() -> {
                try {
                    storeB.fencedTurn("member-b", SharedStore.Turn::lastPosition);
                } catch (Throwable t) {
                    waiting.set(t);
                }
            });
            int ended = 0;
            while (ended == 0 && (System.nanoTime() - startNanos) / 1_000_000 < WAIT_MS) {
                assertTrue(other.isAlive(), "the other turn waits for the head lock: " + waiting.get());
                ended = storeB.endStalledTurns("member-b");
                Thread.sleep(100);
            }
            long endedMs = (System.nanoTime() - startNanos) / 1_000_000;
            assertEquals(1, ended, "the stalled turn, only it, was ended");
            assertTrue(endedMs >= ClusterTables.TURN_IDLE_TIMEOUT_MS - 1_000,
                    "ended after " + endedMs + " ms, a turn may last " + ClusterTables.TURN_IDLE_TIMEOUT_MS);
            other.join(WAIT_MS);
            assertNull(waiting.get(), "the other member's turn ran once the stalled one was ended");
            System.out.println("a turn stopped inside a COPY was ended after " + endedMs + " ms");
            try (Statement st = current.createStatement(); ResultSet rs = st.executeQuery("SELECT 2")) {
                assertTrue(rs.next(), "the turn of a member with a current lease is left alone");
            }
            assertEquals(0, storeB.endStalledTurns("member-c"), "the caller's own turn is left alone");
            assertTrue(current.isValid(5), "member-c's session is still open");
        }
    }

    @Test
    void ownershipIsFencedInTheDatabaseAndMovesOnlyAfterTheLeaseLapsed() throws Exception {
        BitSet all = new BitSet();
        all.set(0, Kernel.PARTITION_COUNT);
        a = new Engine("omni", PARTITIONS, new ClusterRole(storeA, "member-a", () -> all));
        a.start();
        assertTrue(a.awaitReady(WAIT_MS), a.notReadyReason());
        storeA.registerMember("member-a", "http://127.0.0.1:1", LONG_LEASE_MS);
        awaitHeld(a, Kernel.PARTITION_COUNT);

        // a holds everything: its mints commit.
        Chain chain = new Chain();
        BatchSlot slot = a.acquire();
        for (int i = 0; i < 10; i++) {
            chain.add(slot, 0, 100 + i, 1_000);
        }
        assertNull(a.execute(slot, true));
        assertEquals(10, slot.count(Result.ACCEPTED));
        a.release(slot);

        // b is assigned everything too, but a's lease is alive: b claims nothing and answers every item not held.
        b = new Engine("omni", PARTITIONS, new ClusterRole(storeB, "member-b", () -> all));
        b.start();
        assertTrue(b.awaitReady(WAIT_MS), b.notReadyReason());
        storeB.registerMember("member-b", "http://127.0.0.1:2", LONG_LEASE_MS);
        Thread.sleep(3 * MemberSeat.CLAIM_RETRY_MS);
        assertEquals(0, b.heldPartitionCount());
        slot = b.acquire();
        chain.add(slot, 100, 200, 1);
        assertNull(b.execute(slot, false));
        assertEquals(Kernel.NOT_HELD, slot.batch.result[0]);
        b.release(slot);
        chain.forget(1);

        // What a commits, b applies: the caught-up kernel knows a's transfers and balances.
        slot = a.acquire();
        chain.add(slot, 100, 101, 300);
        assertNull(a.execute(slot, false));
        assertEquals(Result.ACCEPTED, slot.batch.result(0));
        a.release(slot);
        awaitPosition(b, 11);
        omni.kernel.AccountState state = new omni.kernel.AccountState();
        assertTrue(b.kernel().account(101, state));
        assertEquals(1_300, state.balance);

        // a stops renewing (paused): once its lease lapsed, b takes every partition over and continues 100's seq.
        try (Connection c = TestDatabases.connect(database); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE cluster_members SET lease_expires_at = now() - interval '1 second'"
                    + " WHERE id = 'member-a'");
        }
        awaitHeld(b, Kernel.PARTITION_COUNT);
        slot = b.acquire();
        chain.add(slot, 100, 102, 200);
        assertNull(b.execute(slot, false));
        assertEquals(Result.ACCEPTED, slot.batch.result(0), "100's seq 2 on the new owner");
        b.release(slot);

        // a wakes up and commits: the fence refuses it, nothing is committed, the request answers 503.
        slot = a.acquire();
        chain.add(slot, 101, 103, 50);
        String failure = a.execute(slot, false);
        assertNotNull(failure, "a fenced member's commit must not be acknowledged");
        assertTrue(failure.contains("no longer holds"), failure);
        a.release(slot);
        chain.forget(1);
        assertTrue(a.awaitReady(WAIT_MS), a.notReadyReason());
        assertEquals(0, a.heldPartitionCount(), "after the rebuild a holds what the owner table says: nothing");

        // One contiguous sequence of positions, balances sum to 0 on both members, and both agree.
        awaitPosition(a, 12);
        try (Connection c = TestDatabases.connect(database); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*), max(position) FROM transfers")) {
            r.next();
            assertEquals(13, r.getLong(1));
            assertEquals(12, r.getLong(2));
        }
        assertEquals(0, a.kernel().balanceSum());
        assertEquals(0, b.kernel().balanceSum());
        assertTrue(a.kernel().account(102, state));
        assertEquals(1_200, state.balance);
        assertTrue(a.fencedCommitCount() >= 1);
    }

    private static void awaitHeld(Engine engine, int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (engine.heldPartitionCount() != count && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, engine.heldPartitionCount());
    }

    private static void awaitPosition(Engine engine, long position) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (engine.committedPosition() < position && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(position, engine.committedPosition());
    }

    /** The test's transfers: each has the previous as its parent, each sender's seqs counted. */
    private static final class Chain {
        private final long[] seqs = new long[1_000];
        private byte[] parent = TransferIds.genesisId("omni");
        private byte[] before;

        void add(BatchSlot slot, long sender, long receiver, long amount) {
            int i = slot.batch.add(sender, receiver, amount, ++seqs[(int) sender], Transfers.TIMESTAMP_BASE_MS);
            slot.batch.setParents(i, parent, 0, 1);
            slot.ids.computeId(slot.batch, i);
            before = parent;
            parent = Transfers.id(slot.batch, i);
            lastSender = sender;
        }

        private long lastSender;

        /** The last {@code n} (here 1) transfer was not committed: its seq and parent are free again. */
        void forget(int n) {
            seqs[(int) lastSender] -= n;
            parent = before;
        }
    }
}
