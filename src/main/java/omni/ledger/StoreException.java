package omni.ledger;

import omni.proof.StorageException;

/**
 * A storage operation failed: the message says what failed, where (the store's description) and with which
 * state (positions, pool counters), e.g.
 * {@code "append positions 101..1100 to postgresql 127.0.0.1:5432/omni: Connection refused (pool total=0 ...)"}.
 */
public final class StoreException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A read found {@code missingPosition} not stored; see {@link #missingPosition()}. */
    public StoreException(String message, long missingPosition) {
        super(message, missingPosition);
    }
}
