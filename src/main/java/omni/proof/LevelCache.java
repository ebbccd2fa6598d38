package omni.proof;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Merkle levels of recently sealed checkpoints, so that a proof is read from memory instead of
 * rebuilding a tree per request. The checkpointer puts every tree it seals; a proof for an older
 * (cold) checkpoint rebuilds that checkpoint's levels once from {@link CheckpointStore#readIds} and
 * caches them, while concurrent requests for the same checkpoint wait for that one rebuild.
 * <p>
 * Sizing: a tree costs about 64 bytes per sealed transfer. {@link #BYTES_MAX_DEFAULT} (128 MiB) holds
 * ten one-second checkpoints at 200k transfers/s (12.8 MiB each), or every checkpoint of a ledger of
 * two million transfers; proofs are asked mostly for recent transfers. Eviction is least recently used.
 */
public final class LevelCache {
    /** See the class comment: about ten seconds of checkpoints at 200k transfers/s. */
    public static final long BYTES_MAX_DEFAULT = 128L << 20;
    /**
     * Entries, whatever their size: a quiet ledger seals one small checkpoint a second, and 4096 entries
     * keep an hour and more of them while the eviction scan over them stays a few microseconds.
     */
    static final int ENTRY_COUNT_MAX = 4096;
    /** Cold rebuilds at once: each is one storage read and ~70 ms of hashing per 500k ids; two keep the
     *  other core for serving. */
    static final int REBUILDS_CONCURRENT_MAX = 2;

    private final CheckpointStore store;
    private final long bytesMax;
    private final ReentrantLock lock = new ReentrantLock();
    private final TreeMap<Long, Entry> byFirstPosition = new TreeMap<>();
    private final Map<Long, Entry> bySeq = new HashMap<>();
    private final Map<Long, CompletableFuture<MerkleTree>> loading = new HashMap<>();
    private final Semaphore rebuilds = new Semaphore(REBUILDS_CONCURRENT_MAX, true);
    private long bytes;
    private long useClock;

    /** A cached checkpoint and its tree; {@code lastUse} is guarded by the cache's lock. */
    public static final class Entry {
        private final Checkpoint checkpoint;
        private final MerkleTree tree;
        private long lastUse;

        Entry(Checkpoint checkpoint, MerkleTree tree, long lastUse) {
            this.checkpoint = checkpoint;
            this.tree = tree;
            this.lastUse = lastUse;
        }

        public Checkpoint checkpoint() {
            return checkpoint;
        }

        public MerkleTree tree() {
            return tree;
        }
    }

    public LevelCache(CheckpointStore store, long bytesMax) {
        long largestTree = 2L * Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX * MerkleTree.HASH_SIZE;
        if (bytesMax < largestTree) {
            throw new IllegalArgumentException("level cache of " + bytesMax + " bytes cannot hold the largest tree ("
                    + largestTree + " bytes)");
        }
        this.store = store;
        this.bytesMax = bytesMax;
    }

    /** Caches the tree the sealer just built for {@code checkpoint}. */
    public void put(Checkpoint checkpoint, MerkleTree tree) {
        if (tree.leafCount() != checkpoint.count()) {
            throw new IllegalArgumentException("tree of " + tree.leafCount() + " leaves for checkpoint " + checkpoint);
        }
        lock.lock();
        try {
            Entry old = bySeq.remove(checkpoint.seq());
            if (old != null) {
                byFirstPosition.remove(old.checkpoint().firstPosition());
                bytes -= old.tree().sizeBytes();
            }
            Entry entry = new Entry(checkpoint, tree, ++useClock);
            bySeq.put(checkpoint.seq(), entry);
            byFirstPosition.put(checkpoint.firstPosition(), entry);
            bytes += tree.sizeBytes();
            evict();
        } finally {
            lock.unlock();
        }
    }

    /** The cached checkpoint covering {@code position}, or null (this never reads storage). */
    public Entry covering(long position) {
        lock.lock();
        try {
            Map.Entry<Long, Entry> floor = byFirstPosition.floorEntry(position);
            if (floor == null || floor.getValue().checkpoint().lastPosition() < position) {
                return null;
            }
            floor.getValue().lastUse = ++useClock;
            return floor.getValue();
        } finally {
            lock.unlock();
        }
    }

    /** The tree of {@code checkpoint}: cached, or rebuilt once from storage and cached. */
    public MerkleTree tree(Checkpoint checkpoint) throws StorageException {
        CompletableFuture<MerkleTree> pending;
        boolean mine = false;
        lock.lock();
        try {
            Entry entry = bySeq.get(checkpoint.seq());
            if (entry != null && entry.checkpoint().equals(checkpoint)) {
                entry.lastUse = ++useClock;
                return entry.tree();
            }
            pending = loading.get(checkpoint.seq());
            if (pending == null) {
                pending = new CompletableFuture<>();
                loading.put(checkpoint.seq(), pending);
                mine = true;
            }
        } finally {
            lock.unlock();
        }
        return mine ? rebuild(checkpoint, pending) : await(checkpoint, pending);
    }

    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    private MerkleTree rebuild(Checkpoint checkpoint, CompletableFuture<MerkleTree> pending) throws StorageException {
        try {
            rebuilds.acquire();
            try {
                MerkleTree tree = build(store, checkpoint);
                put(checkpoint, tree);
                pending.complete(tree);
                return tree;
            } finally {
                rebuilds.release();
            }
        } catch (StorageException | RuntimeException e) {
            pending.completeExceptionally(e);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            StorageException failure = new StorageException("interrupted waiting to rebuild the levels of checkpoint "
                    + checkpoint.seq());
            pending.completeExceptionally(failure);
            throw failure;
        } finally {
            lock.lock();
            try {
                loading.remove(checkpoint.seq());
            } finally {
                lock.unlock();
            }
        }
    }

    /** Reads the ids a checkpoint seals and rebuilds its tree; fails when they do not recompute its root. */
    static MerkleTree build(CheckpointStore store, Checkpoint checkpoint) throws StorageException {
        long count = checkpoint.count();
        if (count < 1 || count > Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX
                || count != checkpoint.lastPosition() - checkpoint.firstPosition() + 1) {
            throw new StorageException("checkpoint " + checkpoint.seq() + " has count " + count + " for positions "
                    + checkpoint.firstPosition() + ".." + checkpoint.lastPosition() + "; at most "
                    + Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX + " can be rebuilt");
        }
        byte[] ids = new byte[Math.toIntExact(count * MerkleTree.HASH_SIZE)];
        store.readIds(checkpoint.firstPosition(), checkpoint.lastPosition(), ids, 0);
        MerkleTree tree = MerkleTree.fromIdsInPlace(ids, (int) count);
        if (!java.util.Arrays.equals(tree.root(), checkpoint.root())) {
            throw new StorageException("checkpoint " + checkpoint.seq() + ": the stored ids of positions "
                    + checkpoint.firstPosition() + ".." + checkpoint.lastPosition() + " do not recompute its root");
        }
        return tree;
    }

    private static MerkleTree await(Checkpoint checkpoint, CompletableFuture<MerkleTree> pending)
            throws StorageException {
        try {
            return pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted waiting for the levels of checkpoint " + checkpoint.seq());
        } catch (ExecutionException e) {
            throw new StorageException("rebuilding the levels of checkpoint " + checkpoint.seq() + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Drops least recently used entries until within both bounds; called with the lock held. */
    private void evict() {
        while (bytes > bytesMax || bySeq.size() > ENTRY_COUNT_MAX) {
            Entry oldest = null;
            for (Entry e : bySeq.values()) {
                if (oldest == null || e.lastUse < oldest.lastUse) {
                    oldest = e;
                }
            }
            bySeq.remove(oldest.checkpoint().seq());
            byFirstPosition.remove(oldest.checkpoint().firstPosition());
            bytes -= oldest.tree().sizeBytes();
        }
    }
}
