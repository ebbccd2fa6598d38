package omni.proof;

/**
 * An operational storage failure (connection lost, write refused, corrupt row). The message says what
 * failed, where, and with which state, e.g. {@code "saveCheckpoint seq=12: duplicate key (latest seq=12)"}.
 * {@code omni.ledger.StoreException} extends it so that the proof code can call the ledger's store
 * through {@link CheckpointStore} without depending on the ledger package.
 */
public class StorageException extends Exception {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
