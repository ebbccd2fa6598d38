package omni.kernel;

/** One account as {@link Kernel#account(long, AccountState)} reports it; reused by the caller. */
public final class AccountState {
    /** Minor units; only the issuer (account 0) is ever negative. */
    public long balance;
    /** The last seq this account used as a sender; 0 if none. */
    public long seq;
    /** Transfers this account took part in, as sender or receiver. */
    public long transferCount;
}
