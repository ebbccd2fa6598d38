package omni.cluster;

/**
 * The cluster member cannot start or change state: its address cannot be bound, or the cluster refused it (another
 * ledger, an incompatible OMNI version). The message says which and what to change.
 */
public final class MembershipException extends RuntimeException {
    public MembershipException(String message) {
        super(message);
    }

    public MembershipException(String message, Throwable cause) {
        super(message, cause);
    }
}
