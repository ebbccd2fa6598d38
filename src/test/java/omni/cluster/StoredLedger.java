package omni.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The ledger as PostgreSQL holds it, read directly from the tables (not through OMNI) in one REPEATABLE READ
 * transaction, so the transfers and the {@code balances} view are of the same moment: what {@link BankVerdict}
 * checks a history against.
 */
final class StoredLedger {
    /**
     * The checker reads every row into memory (about 200 bytes each with its hex id); a checker run of minutes
     * writes a few hundred thousand, so a million leaves room and keeps the heap under a quarter of a GiB.
     */
    static final int ROWS_MAX = 1_000_000;
    /** Rows a round trip while streaming the scan: few round trips, little memory in the driver. */
    private static final int FETCH_SIZE = 10_000;

    /** One stored transfer; {@code id} in hex. */
    record Row(long position, String id, long sender, long receiver, long amount, long seq) {
    }

    /** One row of the {@code balances} view. */
    record Balance(long balance, long seq) {
    }

    final Row[] rows;
    /** Every stored id and the row of its first occurrence. */
    final Map<String, Row> rowById;
    /** Ids stored more than once, with the count: empty in a correct ledger. */
    final Map<String, Integer> duplicateIds;
    /** The {@code balances} view, by account. */
    final Map<Long, Balance> balances;

    private StoredLedger(Row[] rows, Map<Long, Balance> balances) {
        this.rows = rows;
        this.balances = balances;
        this.rowById = new HashMap<>(rows.length * 2);
        this.duplicateIds = new HashMap<>();
        for (Row row : rows) {
            if (rowById.putIfAbsent(row.id(), row) != null) {
                duplicateIds.merge(row.id(), 2, (a, b) -> a + 1);
            }
        }
    }

    /** Reads the transfers and the balances of the database at {@code url} in one snapshot. */
    static StoredLedger read(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            long count = count(c);
            if (count > ROWS_MAX) {
                throw new IllegalStateException(url + " holds " + count + " transfers; the checker reads at most "
                        + ROWS_MAX + " (StoredLedger.ROWS_MAX)");
            }
            Row[] rows = new Row[(int) count];
            try (PreparedStatement s = c.prepareStatement("SELECT position, encode(id, 'hex'), sender, receiver, "
                    + "amount, seq FROM transfers ORDER BY position")) {
                s.setFetchSize(FETCH_SIZE);
                try (ResultSet r = s.executeQuery()) {
                    for (int i = 0; i < rows.length && r.next(); i++) {
                        rows[i] = new Row(r.getLong(1), r.getString(2), r.getLong(3), r.getLong(4), r.getLong(5),
                                r.getLong(6));
                    }
                }
            }
            Map<Long, Balance> balances = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT account, balance, seq FROM balances");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    balances.put(r.getLong(1), new Balance(r.getLong(2), r.getLong(3)));
                }
            }
            c.commit();
            return new StoredLedger(rows, balances);
        }
    }

    /** The last stored position, -1 for an empty table. */
    static long lastPosition(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password);
             PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(position), -1) FROM transfers");
             ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    private static long count(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM transfers");
             ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }
}
