package omni.proof;

/**
 * An operational storage failure (connection lost, write refused, corrupt row). The message says what
 * failed, where, and with which state, e.g. {@code "saveCheckpoint seq=12: duplicate key (latest seq=12)"}.
 * {@code omni.ledger.StoreException} extends it so that the proof code can call the ledger's store
 * through {@link CheckpointStore} without depending on the ledger package.
 */
public class StorageException extends Exception {
    private static final long serialVersionUID = 1L;
    /** See {@link #missingPosition()}. */
    private final long missingPosition;

    public StorageException(String message) {
        super(message);
        this.missingPosition = -1;
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
        this.missingPosition = -1;
    }

    /** A read of committed positions found {@code missingPosition} absent: the store answered, a row is gone. */
    public StorageException(String message, long missingPosition) {
        super(message);
        this.missingPosition = missingPosition;
    }

    /**
     * The first position a read asked for that the store does not hold (a deleted row), or -1 when the store
     * failed to answer. An audit reports the first as a finding and goes on; the second stops it.
     */
    public long missingPosition() {
        return missingPosition;
    }
}
