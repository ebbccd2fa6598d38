package omni.ledger;

import omni.kernel.TransferBatch;
import omni.proof.Checkpoint;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every store must do; PostgresStoreTest and EmbeddedStoreTest run it against real databases. */
abstract class StoreContractTest {
    static final String LEDGER = "omni";

    /** A new store object on this test's database (the same database on every call within a test). */
    abstract JdbcStore newStore(boolean projectorEnabled);

    JdbcStore opened(boolean projectorEnabled) throws StoreException {
        JdbcStore store = newStore(projectorEnabled);
        store.open(LEDGER);
        return store;
    }

    static void appendAll(Store store, LedgerGenerator g, int batchCount, int itemCount, int rejectedPercent)
            throws StoreException {
        TransferBatch[] batches = new TransferBatch[batchCount];
        for (int b = 0; b < batchCount; b++) {
            batches[b] = g.batch(itemCount, rejectedPercent);
        }
        store.append(batches, batchCount);
    }

    @Test
    void appendThenScanReturnsEveryFieldOfEveryTransfer() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 20);
        try (JdbcStore store = opened(false)) {
            assertEquals(0, store.lastPosition());
            appendAll(store, g, 3, 700, 10);
            appendAll(store, g, 1, 1, 0);
            appendAll(store, g, 2, TransferBatch.ITEM_COUNT_MAX, 0);
            long last = g.nextPosition() - 1;
            assertEquals(last, store.lastPosition());
            long[] next = {0};
            store.scan(0, last, new TransferBatch(), chunk -> {
                assertTrue(chunk.count > 0 && chunk.count <= TransferBatch.ITEM_COUNT_MAX);
                for (int i = 0; i < chunk.count; i++) {
                    assertEquals(next[0]++, chunk.position[i]);
                    assertSameTransfer(g, chunk, i);
                }
            });
            assertEquals(last + 1, next[0]);
            TransferBatch one = new TransferBatch();
            for (long p : new long[]{0, 1, last / 2, last}) {
                assertTrue(store.readTransfer(p, one));
                assertEquals(1, one.count);
                assertSameTransfer(g, one, 0);
            }
            assertFalse(store.readTransfer(last + 1, one));
            byte[] ids = new byte[10 * TransferBatch.ID_SIZE + 3];
            store.readIds(last - 9, last, ids, 3);
            for (int k = 0; k < 10; k++) {
                assertArrayEquals(g.idAt.get((int) (last - 9 + k)),
                        Arrays.copyOfRange(ids, 3 + k * 32, 3 + k * 32 + 32));
            }
            assertThrows(StoreException.class, () -> store.readIds(last - 1, last + 1, new byte[96], 0));
        }
    }

    @Test
    void aPartialScanDeliversOnlyTheRange() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 5);
        try (JdbcStore store = opened(false)) {
            appendAll(store, g, 1, 50, 0);
            long[] seen = {0, -1};
            store.scan(10, 19, new TransferBatch(), chunk -> {
                seen[0] += chunk.count;
                seen[1] = chunk.position[chunk.count - 1];
                assertEquals(10, chunk.position[0]);
            });
            assertEquals(10, seen[0]);
            assertEquals(19, seen[1]);
        }
    }

    static void assertSameTransfer(LedgerGenerator g, TransferBatch b, int i) {
        int p = (int) b.position[i];
        long[] n = g.numbersAt.get(p);
        String at = "position " + p;
        assertArrayEquals(g.idAt.get(p), Arrays.copyOfRange(b.id, i * 32, i * 32 + 32), at);
        assertArrayEquals(n, new long[]{b.sender[i], b.receiver[i], b.amount[i], b.seq[i], b.timestamp[i]}, at);
        assertArrayEquals(g.parentsAt.get(p), Arrays.copyOfRange(b.parents, b.parentOffset[i],
                b.parentOffset[i] + b.parentCount[i] * 32), at);
        assertArrayEquals(g.memoAt.get(p), Arrays.copyOfRange(b.memos, b.memoOffset[i],
                b.memoOffset[i] + b.memoSize[i]), at);
        assertEquals(omni.kernel.Result.ACCEPTED, b.result(i), at);
    }

    @Test
    void appendRefusesPositionsThatDoNotFollowTheLastAndWritesNothing() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 5);
        try (JdbcStore store = opened(false)) {
            appendAll(store, g, 1, 10, 0);
            TransferBatch gap = g.batch(5, 0);
            for (int i = 0; i < gap.count; i++) {
                gap.position[i] += 3;
            }
            StoreException e = assertThrows(StoreException.class, () -> store.append(new TransferBatch[]{gap}, 1));
            assertTrue(e.getMessage().contains("last committed position is 10"), e.getMessage());
            assertEquals(10, store.lastPosition());
            TransferBatch inner = new LedgerGenerator(1, LEDGER, 5).batch(3, 0);
            inner.position[0] = 11;
            inner.position[1] = 13;
            assertThrows(IllegalStateException.class, () -> store.append(new TransferBatch[]{inner}, 1));
            assertEquals(10, store.lastPosition());
        }
    }

    @Test
    void theGenesisOfAnotherLedgerIsRefused() throws Exception {
        try (JdbcStore store = opened(false)) {
            assertEquals(0, store.lastPosition());
        }
        JdbcStore other = newStore(false);
        StoreException e = assertThrows(StoreException.class, () -> other.open("payroll"));
        assertTrue(e.getMessage().contains("ledger of 'omni'") && e.getMessage().contains("'payroll'"), e.getMessage());
        assertFalse(other.ping());
        other.close();
    }

    @Test
    void migrationsApplyOnceAndReopeningChangesNothing() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 5);
        try (JdbcStore store = opened(false)) {
            appendAll(store, g, 1, 20, 0);
        }
        for (int k = 0; k < 2; k++) {
            try (JdbcStore store = opened(false); Connection c = store.connection("test")) {
                assertEquals(20, store.lastPosition());
                assertEquals(5, Migrations.currentVersion(c));
                assertEquals(5, count(c, "SELECT COUNT(*) FROM schema_version"));
                assertEquals(1, count(c, "SELECT COUNT(*) FROM transfers WHERE position = 0"));
            }
        }
    }

    static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void balancesAndHistoryAreExactBeforeDuringAndAfterProjection() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 30);
        try (JdbcStore store = opened(false)) {
            appendAll(store, g, 3, TransferBatch.ITEM_COUNT_MAX, 0); // 30,000: more than one projector step
            assertExact(store, g);
            assertEquals(Projector.STEP_TRANSFER_COUNT_MAX, store.projectStep());
            assertExact(store, g);
            appendAll(store, g, 1, 500, 5);
            assertTrue(store.projectStep() > 0);
            assertEquals(0, store.projectStep());
            assertEquals(g.nextPosition() - 1, store.getMeta(MetaTable.PROJECTOR_POSITION_KEY, -1));
            assertExact(store, g);
        }
    }

    void assertExact(Store store, LedgerGenerator g) throws Exception {
        Map<Long, long[]> stored = new HashMap<>();
        long[] sum = {0};
        store.scanBalances((account, balance, seq, transferCount) -> {
            stored.put(account, new long[]{balance, seq, transferCount});
            sum[0] += balance;
        });
        assertEquals(0, sum[0]);
        assertEquals(g.balance.keySet(), stored.keySet());
        for (long account : g.balance.keySet()) {
            List<Long> history = g.history(account);
            long[] s = stored.get(account);
            assertEquals(g.balance.get(account), s[0], "balance of " + account);
            assertEquals(g.seq.getOrDefault(account, 0L), s[1], "seq of " + account);
            assertEquals(history.size(), s[2], "transfers of " + account);
            assertPagedHistory(store, account, history);
        }
        try (Connection c = ((JdbcStore) store).connection("test")) {
            long account = g.balance.keySet().iterator().next();
            assertEquals(g.history(account).size(), count(c, "SELECT COUNT(*) FROM account_transfers WHERE account = "
                    + account));
            assertEquals(g.nextPosition() - 1, count(c, "SELECT COUNT(DISTINCT position) FROM account_transfers"));
            long parentRows = 0;
            for (int p = 0; p < g.nextPosition(); p++) {
                parentRows += g.parentsAt.get(p).length / 32;
            }
            assertEquals(parentRows, count(c, "SELECT COUNT(*) FROM transfer_parents"));
            assertEquals(g.nextPosition(), count(c, "SELECT COUNT(*) FROM transfers_text"));
        }
    }

    static void assertPagedHistory(Store store, long account, List<Long> expected) throws StoreException {
        long[] page = new long[700];
        long before = Long.MAX_VALUE;
        int seen = 0;
        while (true) {
            int n = store.accountHistory(account, before, page.length, page);
            for (int k = 0; k < n; k++) {
                assertEquals(expected.get(seen + k), page[k], "history of " + account + " item " + (seen + k));
            }
            seen += n;
            if (n < page.length) {
                break;
            }
            before = page[n - 1];
        }
        assertEquals(expected.size(), seen);
    }

    @Test
    void metaKeepsNumbersDurably() throws Exception {
        try (JdbcStore store = opened(false)) {
            assertEquals(-7, store.getMeta("bus.position", -7));
            store.putMeta("bus.position", 42);
            store.putMeta("bus.position", 43);
            store.putMeta("other", Long.MIN_VALUE);
            assertThrows(IllegalArgumentException.class, () -> store.putMeta(MetaTable.PROJECTOR_POSITION_KEY, 1));
        }
        try (JdbcStore store = opened(false)) {
            assertEquals(43, store.getMeta("bus.position", -7));
            assertEquals(Long.MIN_VALUE, store.getMeta("other", -7));
        }
    }

    static Checkpoint checkpoint(long seq, long first, long last) {
        byte[] prev = new byte[32];
        prev[0] = (byte) seq;
        byte[] root = new byte[32];
        root[31] = (byte) last;
        byte[] hash = Checkpoint.computeHash(seq, prev, first, last, last - first + 1, root, 1_764_130_000_000L + seq);
        byte[] signature = new byte[64];
        Arrays.fill(signature, (byte) seq);
        return new Checkpoint(seq, prev, first, last, last - first + 1, root, 1_764_130_000_000L + seq, hash, signature);
    }

    @Test
    void checkpointsAreSavedLoadedAndFoundByPosition() throws Exception {
        try (JdbcStore store = opened(false)) {
            assertNull(store.latestCheckpoint());
            assertNull(store.checkpointCovering(0));
            Checkpoint c1 = checkpoint(1, 0, 9);
            Checkpoint c2 = checkpoint(2, 10, 10);
            Checkpoint c3 = checkpoint(3, 11, 500);
            store.saveCheckpoint(c1);
            store.saveCheckpoint(c2);
            store.saveCheckpoint(c3);
            StoreException e = assertThrows(StoreException.class, () -> store.saveCheckpoint(checkpoint(3, 501, 600)));
            assertTrue(e.getMessage().contains("seq=3") && e.getMessage().contains("latest seq=3"), e.getMessage());
            assertEquals(c3, store.latestCheckpoint());
            assertEquals(c2, store.checkpoint(2));
            assertNull(store.checkpoint(4));
            assertEquals(List.of(c2, c3), store.checkpoints(2, 9));
            assertEquals(c1, store.checkpointCovering(0));
            assertEquals(c1, store.checkpointCovering(9));
            assertEquals(c2, store.checkpointCovering(10));
            assertEquals(c3, store.checkpointCovering(11));
            assertEquals(c3, store.checkpointCovering(500));
            assertNull(store.checkpointCovering(501));
        }
    }

    @Test
    void pingIsTrueWhileOpenAndFalseAfterClose() throws Exception {
        JdbcStore store = newStore(false);
        assertFalse(store.ping());
        assertThrows(StoreException.class, store::lastPosition);
        store.open(LEDGER);
        assertTrue(store.ping());
        store.close();
        assertFalse(store.ping());
        StoreException e = assertThrows(StoreException.class, store::lastPosition);
        assertTrue(e.getMessage().contains(store.description()), e.getMessage());
    }
}
