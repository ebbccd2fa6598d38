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
    void announcedCommitsAreSealedWithoutReadingStorageAndGiveTheSameChain(@TempDir Path dir) throws Exception {
        NodeKey key = NodeKey.loadOrCreate(dir);
        MemoryCheckpointStore told = new MemoryCheckpointStore();
        MemoryCheckpointStore untold = new MemoryCheckpointStore();
        Checkpointer fromMemory = new Checkpointer(told, key, cache(told), 1000, c -> { });
        Checkpointer fromStorage = new Checkpointer(untold, key, cache(untold), 1000, c -> { });
        fromMemory.sealOnce();
        fromStorage.sealOnce();
        Random random = new Random(7);
        for (int round = 0; round < 3; round++) {
            int count = 1 + random.nextInt(50);
            byte[] ids = new byte[count * 32];
            long first = told.lastPosition() + 1;
            for (int i = 0; i < count; i++) {
                Transfer t = TestTransfers.random(random);
                told.append(t);
                untold.append(t);
                System.arraycopy(t.id(), 0, ids, i * 32, 32);
            }
            fromMemory.committed(first, first + count - 1, ids, 0);
            int reads = told.readIdsCalls;
            Checkpoint a = fromMemory.sealOnce();
            assertEquals(reads, told.readIdsCalls, "sealed from the announced ids");
            Checkpoint b = fromStorage.sealOnce();
            assertArrayEquals(b.root(), a.root());
            assertEquals(b.count(), a.count());
        }
        // Not told about the next commit: read from storage.
        told.append(TestTransfers.random(random));
        int reads = told.readIdsCalls;
        fromMemory.sealOnce();
        assertEquals(reads + 1, told.readIdsCalls);
        assertTrue(ChainAudit.run(told, key.publicKey(), (s, l, f) -> { }).ok());
    }

    @Test
    void aStoreBehindItsCheckpointsIsRefusedNotSealed(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir);
        appendRandom(store, new Random(8), 3);
        Checkpoint sealed = new Checkpointer(store, key, cache(store), 1000, c -> { }).sealOnce();
        MemoryCheckpointStore behind = new MemoryCheckpointStore(); // e.g. restored from an older backup
        behind.overwrite(sealed);
        StorageException e = assertThrows(StorageException.class,
                () -> new Checkpointer(behind, key, cache(behind), 1000, c -> { }).sealOnce());
        assertTrue(e.getMessage().contains("committed up to position 0 but checkpoint 1 already seals up to 3"),
                e.getMessage());
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
        Checkpointer neverStarted = new Checkpointer(store, NodeKey.loadOrCreate(dir), cache(store), 10, c -> { });
        neverStarted.close(); // a shutdown that comes before the start: the start must not run it after all
        neverStarted.start();
        long seq = store.latestCheckpoint().seq();
        store.append(TestTransfers.random(new Random(9)));
        Thread.sleep(100); // ten intervals of the closed checkpointer
        assertEquals(seq, store.latestCheckpoint().seq(), "nothing sealed after close");
        assertTrue(io.helidon.metrics.api.Metrics.globalRegistry().gauge("omni_checkpoint_height", List.of()).isEmpty());
    }
}
