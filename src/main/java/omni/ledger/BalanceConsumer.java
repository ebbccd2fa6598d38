package omni.ledger;

/** Receives one account of {@link Store#scanBalances}. */
@FunctionalInterface
public interface BalanceConsumer {
    void accept(long account, long balance, long seq, long transferCount) throws StoreException;
}
