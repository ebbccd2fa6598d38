package omni.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * One projector step: the committed transfers just past the watermark, folded into one delta per account
 * (balance change, highest seq sent, transfers touched) plus two history rows per transfer.
 */
final class Projection {
    private final AccountTable deltas;
    private int transferCount;
    private long lastPosition;
    long[] historyAccounts;
    long[] historyPositions;
    int historyCount;
    long[] accounts;
    long[] balances;
    long[] seqs;
    long[] transferCounts;

    private Projection(int transferCountMax) {
        deltas = new AccountTable(2 * transferCountMax);
        historyAccounts = new long[2 * transferCountMax];
        historyPositions = new long[2 * transferCountMax];
    }

    int transferCount() {
        return transferCount;
    }

    long lastPosition() {
        return lastPosition;
    }

    int accountCount() {
        return accounts.length;
    }

    /** Reads up to {@code transferCountMax} transfers after {@code watermark}, stopping at a gap (none is expected). */
    static Projection read(Connection c, long watermark, int transferCountMax) throws SQLException {
        Projection p = new Projection(transferCountMax);
        p.lastPosition = watermark;
        try (PreparedStatement s = c.prepareStatement("SELECT position, sender, receiver, amount, seq FROM transfers"
                + " WHERE position > ? AND position <= ? ORDER BY position")) {
            s.setLong(1, watermark);
            s.setLong(2, watermark + transferCountMax);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long position = rs.getLong(1);
                    if (position != p.lastPosition + 1) {
                        break;
                    }
                    p.add(position, rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                }
            }
        }
        p.collect();
        return p;
    }

    private void add(long position, long sender, long receiver, long amount, long seq) {
        int s = deltas.slot(sender);
        deltas.balance[s] -= amount;
        deltas.seq[s] = Math.max(deltas.seq[s], seq);
        deltas.transferCount[s]++;
        int r = deltas.slot(receiver);
        deltas.balance[r] += amount;
        deltas.transferCount[r]++;
        historyAccounts[historyCount] = sender;
        historyPositions[historyCount++] = position;
        historyAccounts[historyCount] = receiver;
        historyPositions[historyCount++] = position;
        transferCount++;
        lastPosition = position;
    }

    private void collect() {
        int n = deltas.size();
        accounts = new long[n];
        balances = new long[n];
        seqs = new long[n];
        transferCounts = new long[n];
        int k = 0;
        for (int slot = 0; slot < deltas.capacity(); slot++) {
            long account = deltas.accountAt(slot);
            if (account >= 0) {
                accounts[k] = account;
                balances[k] = deltas.balance[slot];
                seqs[k] = deltas.seq[slot];
                transferCounts[k++] = deltas.transferCount[slot];
            }
        }
        if (k != n) {
            throw new IllegalStateException("projection collected " + k + " of " + n + " accounts");
        }
        historyAccounts = Arrays.copyOf(historyAccounts, historyCount);
        historyPositions = Arrays.copyOf(historyPositions, historyCount);
    }
}
