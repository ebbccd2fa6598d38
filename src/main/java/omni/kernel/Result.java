package omni.kernel;

/**
 * The outcome of validating one transfer. Declaration order is the precedence order of docs/kernel.md:
 * when several checks fail, the first one declared wins. {@link #ACCEPTED} and {@link #EXISTS} are success.
 */
public enum Result {
    MALFORMED,
    ID_MISMATCH,
    AMOUNT_MUST_BE_POSITIVE,
    ACCOUNTS_MUST_BE_DIFFERENT,
    PARENTS_COUNT_INVALID,
    PARENTS_DUPLICATE,
    MEMO_TOO_LONG,
    TIMESTAMP_IN_FUTURE,
    ISSUER_REQUIRES_ADMIN,
    EXISTS,
    PARENT_NOT_FOUND,
    TIMESTAMP_BEFORE_PARENT,
    SEQ_REUSED,
    SEQ_GAP,
    INSUFFICIENT_FUNDS,
    OVERFLOW,
    /** Last, so that it never wins over a rejection. */
    ACCEPTED;

    private static final Result[] VALUES = values();

    private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

    /** The name clients see in JSON and metrics, e.g. {@code insufficient_funds}. */
    public String wireName() {
        return wireName;
    }

    public boolean isSuccess() {
        return this == ACCEPTED || this == EXISTS;
    }

    public byte code() {
        return (byte) ordinal();
    }

    public static Result ofCode(byte code) {
        return VALUES[code];
    }
}
