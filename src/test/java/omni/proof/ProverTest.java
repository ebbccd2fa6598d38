package omni.proof;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProverTest {
    @Test
    void recentProofsComeFromCachedLevelsAndColdOnesAreRebuiltOnce(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir);
        Random random = new Random(21);
        Checkpointer checkpointer = new Checkpointer(store, key, new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT),
                1000, c -> { });
        checkpointer.sealOnce();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 50; j++) {
                store.append(TestTransfers.random(random));
            }
            checkpointer.sealOnce();
        }
        long unsealed = store.append(TestTransfers.random(random));

        // The sealer's own cache: no storage read for any proof.
        LevelCache warm = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        for (long seq = 1; seq <= 6; seq++) {
            Checkpoint c = store.checkpoint(seq);
            warm.put(c, LevelCache.build(store, c));
        }
        int reads = store.readIdsCalls;
        Prover warmProver = new Prover(store, warm, key.publicKey());
        for (long p = 0; p < unsealed; p++) {
            assertTrue(ProofVerifier.verify(warmProver.prove(store.transferAt(p), p).toJson(), key.publicKey()).valid());
        }
        assertEquals(reads, store.readIdsCalls);
        assertNull(warmProver.prove(store.transferAt(unsealed), unsealed), "not sealed yet");

        // A cold cache, 8 concurrent requests for the same checkpoint: one rebuild.
        LevelCache cold = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        Prover coldProver = new Prover(store, cold, key.publicKey());
        reads = store.readIdsCalls;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Proof>> proofs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long position = 60 + i;
                proofs.add(pool.submit((Callable<Proof>) () -> coldProver.prove(store.transferAt(position), position)));
            }
            for (Future<Proof> proof : proofs) {
                assertTrue(ProofVerifier.verify(proof.get().toJson(), null).valid());
            }
        }
        assertEquals(reads + 1, store.readIdsCalls, "one rebuild of checkpoint 3");
        assertEquals(3, cold.covering(60).checkpoint().seq());
    }

    @Test
    void theCacheStaysWithinItsByteBudgetEvictingTheLeastRecentlyUsed(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        Checkpointer checkpointer = new Checkpointer(store, NodeKey.loadOrCreate(dir),
                new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT), 1000, c -> { });
        Transfer filler = TestTransfers.random(new Random(22));
        long budget = LevelCache.BYTES_MAX_DEFAULT;
        LevelCache cache = new LevelCache(store, budget);
        int perCheckpoint = Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX / 4;
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j < perCheckpoint; j++) {
                store.append(filler);
            }
            Checkpoint c = checkpointer.sealOnce();
            cache.put(c, LevelCache.build(store, c));
            assertTrue(cache.bytes() <= budget, "cache holds " + cache.bytes());
        }
        assertNull(cache.covering(5), "the oldest were evicted");
        assertTrue(cache.covering(store.lastPosition()) != null, "the newest is cached");
        assertThrows(IllegalArgumentException.class, () -> new LevelCache(store, 1 << 20));
    }

    @Test
    void storedIdsThatDoNotRecomputeTheRootFailTheRebuild(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir);
        Checkpointer checkpointer = new Checkpointer(store, key, new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT),
                1000, c -> { });
        store.append(TestTransfers.random(new Random(23)));
        Checkpoint c = checkpointer.sealOnce();
        byte[] root = c.root();
        root[0] ^= 1;
        store.overwrite(new Checkpoint(c.seq(), c.prev(), c.firstPosition(), c.lastPosition(), c.count(), root,
                c.timestamp(), c.hash(), c.signature()));
        Prover prover = new Prover(store, new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT), key.publicKey());
        StorageException e = assertThrows(StorageException.class, () -> prover.prove(store.transferAt(1), 1));
        assertTrue(e.getMessage().contains("do not recompute its root"), e.getMessage());
    }
}
