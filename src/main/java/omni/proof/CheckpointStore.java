package omni.proof;

import java.util.List;

/**
 * What the proof component needs from durable storage: the committed ids in position order and a
 * table of checkpoints. The ledger's store implements it (PostgreSQL or embedded) in the same database
 * as the transfers, so a checkpoint is exactly as durable as what it seals.
 */
public interface CheckpointStore {
    /** Highest committed position; 0 when only genesis is committed. */
    long lastPosition() throws StorageException;

    /**
     * Ids of the committed transfers at positions {@code fromPosition..toPosition} (inclusive), in
     * position order, 32 bytes each, written to {@code out} from {@code outOffset}. Throws when any of
     * these positions is not committed.
     */
    void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) throws StorageException;

    /** Stores a sealed checkpoint durably (committed on return); a second checkpoint with the same seq fails. */
    void saveCheckpoint(Checkpoint checkpoint) throws StorageException;

    /** The checkpoint with the highest seq, or null if none was sealed yet. */
    Checkpoint latestCheckpoint() throws StorageException;

    /** The checkpoint {@code seq}, or null if there is none. */
    Checkpoint checkpoint(long seq) throws StorageException;

    /** Checkpoints {@code fromSeq..toSeq} (inclusive) that exist, ascending by seq. */
    List<Checkpoint> checkpoints(long fromSeq, long toSeq) throws StorageException;

    /** The checkpoint whose {@code firstPosition..lastPosition} contains {@code position}, or null if not sealed yet. */
    Checkpoint checkpointCovering(long position) throws StorageException;
}
