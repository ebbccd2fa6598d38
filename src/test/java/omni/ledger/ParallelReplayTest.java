package omni.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToIntFunction;

import omni.kernel.Kernel;
import omni.kernel.TransferBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery read by two threads in ranges, applied in position order by the replaying thread
 * ({@link KernelRebuild}): on the embedded store and on PostgreSQL, in ranges small enough that every reader scans
 * many of them, the kernel equals the one a single scan builds (every account, every id at its position, the
 * tips); a scan failing half-way fails the rebuild with the store's error and leaves no reader running.
 */
class ParallelReplayTest {
    private static final String LEDGER = "omni";
    private static final int ACCOUNT_COUNT = 2_000;
    private static final LongToIntFunction PARTITIONS =
            account -> (int) Long.remainderUnsigned(account, Kernel.PARTITION_COUNT);
    /** Ranges of this many positions: 25 ranges of about 24,000 transfers, some shorter than a chunk. */
    private static final int RANGE_POSITIONS = 997;

    @TempDir
    Path dataDirectory;

    @Test
    void embeddedStoreReplayedInParallelRangesEqualsOneScan() throws Exception {
        try (EmbeddedStore store = new EmbeddedStore(dataDirectory, false)) {
            store.open(LEDGER);
            assertReplaysEqual(store);
        }
    }

    @Test
    void postgresReplayedInParallelRangesEqualsOneScan() throws Exception {
        String database = TestDatabases.create("replay");
        try (PostgresStore store = new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "")) {
            store.open(LEDGER);
            assertReplaysEqual(store);
        } finally {
            TestDatabases.drop(database);
        }
    }

    @Test
    void aScanFailingHalfWayFailsTheRebuildAndStopsTheReaders() throws Exception {
        MemoryStore store = new MemoryStore();
        store.open(LEDGER);
        StoreContractTest.appendAll(store, new LedgerGenerator(System.nanoTime(), LEDGER, ACCOUNT_COUNT), 4, 6_000, 0);
        long failAt = 5L * RANGE_POSITIONS;
        // The replaying thread reaches failAt's sender after the readers scanned ranges ahead; from then on every
        // scan fails, as when the database goes away during a recovery.
        long failingSender = senderAt(store, failAt);
        LongToIntFunction partitions = account -> {
            if (account == failingSender) {
                store.setAvailable(false);
            }
            return PARTITIONS.applyAsInt(account);
        };
        StoreException e = assertThrows(StoreException.class, () ->
                KernelRebuild.rebuild(store, LEDGER, partitions, new TransferBatch(), RANGE_POSITIONS));
        assertTrue(e.getMessage().contains("scan"), e.getMessage());
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("omni-recovery-reader") && t.isAlive()),
                "no reader left running");
    }

    private static long senderAt(Store store, long position) throws StoreException {
        TransferBatch one = new TransferBatch();
        assertTrue(store.readTransfer(position, one));
        return one.sender[0];
    }

    private static void assertReplaysEqual(Store store) throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, ACCOUNT_COUNT);
        StoreContractTest.appendAll(store, g, 4, 6_000, 5);
        long last = store.lastPosition();
        assertTrue(last > 20L * RANGE_POSITIONS, "stored " + last);
        Kernel once = KernelRebuild.rebuild(store, LEDGER, PARTITIONS, new TransferBatch(), Integer.MAX_VALUE);
        Kernel inRanges = KernelRebuild.rebuild(store, LEDGER, PARTITIONS, new TransferBatch(), RANGE_POSITIONS);
        assertEquals(once.nextPosition(), inRanges.nextPosition());
        assertEquals(accounts(once), accounts(inRanges));
        byte[] ids = new byte[(int) last * TransferBatch.ID_SIZE];
        store.readIds(1, last, ids, 0);
        for (int p = 1; p <= last; p++) {
            assertEquals(p, inRanges.positionOf(ids, (p - 1) * TransferBatch.ID_SIZE), "position " + p);
        }
        assertEquals(once.tipCount(), inRanges.tipCount());
        byte[] tipsOnce = new byte[64 * TransferBatch.ID_SIZE];
        byte[] tipsInRanges = new byte[64 * TransferBatch.ID_SIZE];
        int n = once.tips(64, tipsOnce);
        assertEquals(n, inRanges.tips(64, tipsInRanges));
        assertArrayEquals(Arrays.copyOf(tipsOnce, n * TransferBatch.ID_SIZE),
                Arrays.copyOf(tipsInRanges, n * TransferBatch.ID_SIZE));
    }

    private static Map<Long, List<Long>> accounts(Kernel kernel) {
        Map<Long, List<Long>> out = new HashMap<>();
        kernel.forEachAccount((account, balance, seq, transferCount) ->
                out.put(account, List.of(balance, seq, transferCount)));
        return out;
    }
}
