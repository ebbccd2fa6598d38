package omni.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The {@code meta} table: small durable numbers by name (the projector's watermark, the Redis bus's stream
 * state). Reads go through the store's DB client; writes and the projector's row lock use a raw connection,
 * because the lock must be held on the connection that commits the projection.
 */
final class MetaTable {
    static final String PROJECTOR_POSITION_KEY = "projector.position";
    /** Keys under this prefix belong to the projector: no one else may move them. */
    private static final String PROJECTOR_PREFIX = "projector.";

    private final JdbcStore store;

    MetaTable(JdbcStore store) {
        this.store = store;
    }

    long get(String key, long missing) throws StoreException {
        String what = "getMeta " + key;
        try {
            return store.reads(what).get("SELECT value FROM meta WHERE name = ?", key)
                    .map(row -> row.column(1).get(Long.class))
                    .orElse(missing);
        } catch (RuntimeException e) {
            throw store.failure(what, e);
        }
    }

    void put(String key, long value) throws StoreException {
        if (key.startsWith(PROJECTOR_PREFIX)) {
            throw new IllegalArgumentException("meta key " + key + " belongs to the projector");
        }
        try (Connection c = store.connection("putMeta " + key);
             PreparedStatement p = c.prepareStatement("MERGE INTO meta m USING (VALUES (CAST(? AS VARCHAR(200)),"
                     + " CAST(? AS BIGINT))) s(name, value) ON m.name = s.name"
                     + " WHEN MATCHED THEN UPDATE SET value = s.value"
                     + " WHEN NOT MATCHED THEN INSERT (name, value) VALUES (s.name, s.value)")) {
            p.setString(1, key);
            p.setLong(2, value);
            p.executeUpdate();
        } catch (SQLException e) {
            throw store.failure("putMeta " + key + "=" + value, e);
        }
    }

    /** Members sharing one database take turns: the row lock serializes their projectors. */
    static long lockWatermark(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT value FROM meta WHERE name = ? FOR UPDATE")) {
            p.setString(1, PROJECTOR_POSITION_KEY);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("meta has no " + PROJECTOR_POSITION_KEY + " row (schema damaged)");
                }
                return rs.getLong(1);
            }
        }
    }

    /** Moves the watermark inside the transaction that holds its row lock. */
    static void moveWatermark(Connection c, long position) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE meta SET value = ? WHERE name = ?")) {
            u.setLong(1, position);
            u.setString(2, PROJECTOR_POSITION_KEY);
            u.executeUpdate();
        }
    }
}
