package omni.proof;

import java.util.HexFormat;

/**
 * Builds proofs of inclusion from cached Merkle levels: one map lookup and up to 19 hash copies for a
 * transfer in a recent checkpoint; a transfer in a cold checkpoint costs one rebuild of that
 * checkpoint's levels, which later proofs of the same checkpoint reuse. Thread-safe.
 */
public final class Prover {
    private final CheckpointStore store;
    private final LevelCache cache;
    private final byte[] publicKey;

    public Prover(CheckpointStore store, LevelCache cache, byte[] publicKey) {
        if (publicKey.length != NodeKey.PUBLIC_KEY_SIZE) {
            throw new IllegalArgumentException("public key is " + publicKey.length + " bytes");
        }
        this.store = store;
        this.cache = cache;
        this.publicKey = publicKey.clone();
    }

    /** The checkpoint sealing {@code position}, from the cache or else from storage; null if not sealed yet. */
    public Checkpoint checkpointCovering(long position) throws StorageException {
        LevelCache.Entry entry = cache.covering(position);
        return entry != null ? entry.checkpoint() : store.checkpointCovering(position);
    }

    /**
     * The proof that {@code transfer}, committed at {@code position}, is sealed; null if no checkpoint
     * covers {@code position} yet.
     */
    public Proof prove(Transfer transfer, long position) throws StorageException {
        LevelCache.Entry entry = cache.covering(position);
        Checkpoint checkpoint;
        MerkleTree tree;
        if (entry != null) {
            checkpoint = entry.checkpoint();
            tree = entry.tree();
        } else {
            checkpoint = store.checkpointCovering(position);
            if (checkpoint == null) {
                return null;
            }
            tree = cache.tree(checkpoint);
        }
        int leafIndex = Math.toIntExact(position - checkpoint.firstPosition());
        if (!tree.leafHashEquals(leafIndex, MerkleTree.leafHash(transfer.id()))) {
            throw new StorageException("position " + position + " holds another id than transfer "
                    + HexFormat.of().formatHex(transfer.id()) + " in checkpoint " + checkpoint.seq());
        }
        return new Proof(transfer, leafIndex, checkpoint, tree.auditPath(leafIndex), publicKey);
    }
}
