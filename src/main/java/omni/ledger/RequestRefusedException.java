package omni.ledger;

/** A submitted request that cannot be validated as it is: nothing of it was looked at beyond the refusal. */
public final class RequestRefusedException extends RuntimeException {
    /** Why, so that the gateway can answer 400 or 413. */
    public enum Reason {
        /** The body is not JSON (or NDJSON) of objects. */
        UNPARSEABLE,
        /** The body is over {@link Ledger#BODY_SIZE_MAX} bytes or holds too many items. */
        TOO_LARGE
    }

    private final Reason reason;

    public RequestRefusedException(Reason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
