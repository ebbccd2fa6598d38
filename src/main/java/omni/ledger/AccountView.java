package omni.ledger;

/**
 * An account as of now: balance in minor units, the last seq it sent with (0 if it never sent), and how many
 * transfers it sent or received. Balances may include transfers whose commit is in flight for a few
 * milliseconds.
 */
public record AccountView(long id, long balance, long seq, long transactionCount) {
    public AccountView {
        if (id < 0 || seq < 0 || transactionCount < 0) {
            throw new IllegalArgumentException("account " + id + ", seq " + seq + ", count " + transactionCount);
        }
    }
}
