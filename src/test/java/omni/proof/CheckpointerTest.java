package omni.proof;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointerTest {
    private static LevelCache cache(CheckpointStore store) {
        return new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
    }

    private static void appendRandom(MemoryCheckpointStore store, Random random, int count) {
        for (int i = 0; i < count; i++) {
            store.append(TestTransfers.random(random));
        }
    }

    @Test
    void firstCheckpointSealsGenesisThenEachSealContinuesTheChain(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir);
        List<Checkpoint> hooked = new CopyOnWriteArrayList<>();
        Checkpointer checkpointer = new Checkpointer(store, key, cache(store), 1000, hooked::add);
        Checkpoint first = checkpointer.sealOnce();
        assertEquals(1, first.seq());
        assertArrayEquals(new byte[32], first.prev());
        assertEquals(0, first.firstPosition());
        assertEquals(0, first.lastPosition());
        assertEquals(1, first.count());
        assertArrayEquals(MerkleTree.leafHash(store.transferAt(0).id()), first.root());
        assertTrue(first.hashRecomputes());
        assertTrue(NodeKey.verify(key.publicKey(), first.hash(), first.signature()));
        assertNull(checkpointer.sealOnce(), "nothing committed since");
        appendRandom(store, new Random(1), 10);
        Checkpoint second = checkpointer.sealOnce();
        assertEquals(2, second.seq());
        assertArrayEquals(first.hash(), second.prev());
        assertEquals(1, second.firstPosition());
        assertEquals(10, second.lastPosition());
        assertEquals(10, second.count());
        assertTrue(second.timestamp() >= first.timestamp());
        assertEquals(List.of(first, second), hooked);
        assertEquals(2, checkpointer.height());
        assertEquals(0, checkpointer.lagTransactions());
        checkpointer.noteCommitted(15);
        assertEquals(5, checkpointer.lagTransactions());
        checkpointer.noteCommitted(12); // late news never lowers it
        assertEquals(5, checkpointer.lagTransactions());
    }

    @Test
    void restartContinuesTheChainWithTheRightPrev(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir);
        Random random = new Random(2);
        Checkpointer before = new Checkpointer(store, key, cache(store), 1000, c -> { });
        before.sealOnce();
        appendRandom(store, random, 5);
        Checkpoint last = before.sealOnce();
        appendRandom(store, random, 7);
        // A new process: new key object from the same file, new cache, the same storage.
        Checkpointer after = new Checkpointer(store, NodeKey.loadOrCreate(dir), cache(store), 1000, c -> { });
        Checkpoint next = after.sealOnce();
        assertEquals(last.seq() + 1, next.seq());
        assertArrayEquals(last.hash(), next.prev());
        assertEquals(last.lastPosition() + 1, next.firstPosition());
        assertEquals(store.lastPosition(), next.lastPosition());
        ChainAudit.Report report = ChainAudit.run(store, key.publicKey(), (s, l, f) -> { });
        assertTrue(report.ok(), report.findings().toString());
        assertEquals(3, report.checkpointCount());
        assertEquals(store.lastPosition() + 1, report.positionCount());
    }

    @Test
    void aBacklogIsSealedInCheckpointsOfAtMostTheCap(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        Transfer filler = TestTransfers.random(new Random(3));
        for (int i = 0; i < Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX + 4; i++) {
            store.append(filler); // the same transfer again: only the count matters here
        }
        Checkpointer checkpointer = new Checkpointer(store, NodeKey.loadOrCreate(dir), cache(store), 1000, c -> { });
        Checkpoint first = checkpointer.sealOnce();
        assertEquals(Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX, first.count());
        assertEquals(5, checkpointer.lagTransactions());
        Checkpoint second = checkpointer.sealOnce();
        assertEquals(5, second.count());
        assertEquals(store.lastPosition(), second.lastPosition());
    }

    @Test
    void aFailedSaveIsRetriedFromTheStoredHead(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir);
        Checkpointer checkpointer = new Checkpointer(store, key, cache(store), 1000, c -> { });
        checkpointer.sealOnce();
        appendRandom(store, new Random(4), 3);
        store.failSaves = true;
        StorageException e = assertThrows(StorageException.class, checkpointer::sealOnce);
        assertTrue(e.getMessage().contains("seq=2"), e.getMessage());
        store.failSaves = false;
        // Meanwhile another sealer (a stale cluster member) saved seq 2: the fence is the unique seq.
        Checkpointer other = new Checkpointer(store, key, cache(store), 1000, c -> { });
        Checkpoint theirs = other.sealOnce();
        assertEquals(2, theirs.seq());
        appendRandom(store, new Random(5), 2);
        Checkpoint mine = checkpointer.sealOnce();
        assertEquals(3, mine.seq());
        assertArrayEquals(theirs.hash(), mine.prev());
        assertTrue(ChainAudit.run(store, key.publicKey(), (s, l, f) -> { }).ok());
    }

    @Test
    void theSealerThreadSealsEveryIntervalAndCallsTheHook(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        List<Checkpoint> hooked = new CopyOnWriteArrayList<>();
        Checkpointer checkpointer = new Checkpointer(store, NodeKey.loadOrCreate(dir), cache(store), 20, hooked::add);
        checkpointer.start();
        try {
            Random random = new Random(6);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (store.latestCheckpoint() == null || store.latestCheckpoint().lastPosition() < 100) {
                assertTrue(System.nanoTime() < deadline, "sealer did not keep up: " + store.latestCheckpoint());
                appendRandom(store, random, 10);
                Thread.sleep(5);
            }
        } finally {
            checkpointer.close();
        }
        assertTrue(hooked.size() >= 2, "hooked " + hooked.size());
        for (int i = 1; i < hooked.size(); i++) {
            assertArrayEquals(hooked.get(i - 1).hash(), hooked.get(i).prev());
        }
        assertEquals(hooked.get(hooked.size() - 1), store.latestCheckpoint());
    }

    @Test
    void gaugesAreRegisteredWhileRunning(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        Checkpointer checkpointer = new Checkpointer(store, NodeKey.loadOrCreate(dir), cache(store), 10, c -> { });
        checkpointer.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (store.latestCheckpoint() == null) {
                assertTrue(System.nanoTime() < deadline, "no checkpoint sealed");
                Thread.sleep(5);
            }
            var registry = io.helidon.metrics.api.Metrics.globalRegistry();
            var height = registry.gauge("omni_checkpoint_height", List.of()).orElseThrow();
            assertEquals(1.0, height.value().doubleValue());
            checkpointer.noteCommitted(7);
            var lag = registry.gauge("omni_checkpoint_lag_transactions", List.of()).orElseThrow();
            assertEquals(7.0, lag.value().doubleValue());
        } finally {
            checkpointer.close();
        }
        assertTrue(io.helidon.metrics.api.Metrics.globalRegistry().gauge("omni_checkpoint_height", List.of()).isEmpty());
    }
}
