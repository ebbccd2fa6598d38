package omni.ledger;

/**
 * The ledger cannot answer now (recovering, storage down, every pooled buffer busy, shutting down) and changed
 * nothing; the same call may succeed after {@link #RETRY_AFTER_SECONDS}.
 */
public final class LedgerUnavailableException extends RuntimeException {
    /** Storage is probed once a second, so a retry sooner than that finds the same state. */
    public static final int RETRY_AFTER_SECONDS = Engine.RETRY_AFTER_SECONDS;

    public LedgerUnavailableException(String reason) {
        super(reason);
    }
}
