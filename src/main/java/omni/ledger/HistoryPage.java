package omni.ledger;

import java.util.List;

/**
 * One page of an account's committed transfers, newest first.
 *
 * @param next the {@code before} position that reads the next, older page, or {@link #NO_MORE} when this page
 *             was not full
 */
public record HistoryPage(long account, List<TransferView> transfers, long next) {
    public static final long NO_MORE = -1;

    public HistoryPage {
        transfers = List.copyOf(transfers);
    }

    public boolean hasMore() {
        return next != NO_MORE;
    }
}
