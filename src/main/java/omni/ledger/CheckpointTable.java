package omni.ledger;

import io.helidon.dbclient.DbRow;
import omni.proof.Checkpoint;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The {@code checkpoints} table: sealed checkpoints by seq. Reads through the store's DB client. */
final class CheckpointTable {
    /** Checkpoint listings are bounded by the caller; this catches a caller that forgot. */
    static final long LIST_COUNT_MAX = 100_000;
    private static final String COLUMNS =
            "seq, prev, first_position, last_position, count, root, timestamp, hash, signature";

    private final JdbcStore store;

    CheckpointTable(JdbcStore store) {
        this.store = store;
    }

    void save(Checkpoint cp) throws StoreException {
        String what = "saveCheckpoint seq=" + cp.seq() + " positions " + cp.firstPosition() + ".." + cp.lastPosition();
        try (Connection c = store.connection(what);
             PreparedStatement p = c.prepareStatement("INSERT INTO checkpoints (" + COLUMNS
                     + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setLong(1, cp.seq());
            p.setBytes(2, cp.prev());
            p.setLong(3, cp.firstPosition());
            p.setLong(4, cp.lastPosition());
            p.setLong(5, cp.count());
            p.setBytes(6, cp.root());
            p.setLong(7, cp.timestamp());
            p.setBytes(8, cp.hash());
            p.setBytes(9, cp.signature());
            p.executeUpdate();
        } catch (SQLException e) {
            Checkpoint latest = latestQuietly();
            throw store.failure(what + " (latest seq=" + (latest == null ? "none" : latest.seq()) + ")", e);
        }
    }

    private Checkpoint latestQuietly() {
        try {
            return latest();
        } catch (StoreException e) {
            return null;
        }
    }

    Checkpoint latest() throws StoreException {
        return one("latestCheckpoint", "ORDER BY seq DESC");
    }

    Checkpoint bySeq(long seq) throws StoreException {
        return one("checkpoint seq=" + seq, "WHERE seq = ?", seq);
    }

    Checkpoint covering(long position) throws StoreException {
        Checkpoint cp = one("checkpointCovering position " + position,
                "WHERE last_position >= ? ORDER BY last_position", position);
        return cp != null && cp.firstPosition() <= position ? cp : null;
    }

    private Checkpoint one(String what, String clause, Object... parameters) throws StoreException {
        try {
            Optional<DbRow> row = store.reads(what).get("SELECT " + COLUMNS + " FROM checkpoints " + clause
                    + " LIMIT 1", parameters);
            return row.map(CheckpointTable::checkpoint).orElse(null);
        } catch (RuntimeException e) {
            throw store.failure(what, e);
        }
    }

    List<Checkpoint> list(long fromSeq, long toSeq) throws StoreException {
        String what = "checkpoints seq " + fromSeq + ".." + toSeq;
        if (toSeq - fromSeq >= LIST_COUNT_MAX) {
            throw new IllegalArgumentException(what + ": more than " + LIST_COUNT_MAX + " at once");
        }
        try (Stream<DbRow> rows = store.reads(what).query("SELECT " + COLUMNS
                + " FROM checkpoints WHERE seq BETWEEN ? AND ? ORDER BY seq", fromSeq, toSeq)) {
            return rows.map(CheckpointTable::checkpoint).toList();
        } catch (RuntimeException e) {
            throw store.failure(what, e);
        }
    }

    /** Columns by index, in {@link #COLUMNS} order: H2 answers names in upper case, PostgreSQL in lower. */
    private static Checkpoint checkpoint(DbRow row) {
        return new Checkpoint(row.column(1).get(Long.class), row.column(2).get(byte[].class),
                row.column(3).get(Long.class), row.column(4).get(Long.class), row.column(5).get(Long.class),
                row.column(6).get(byte[].class), row.column(7).get(Long.class), row.column(8).get(byte[].class),
                row.column(9).get(byte[].class));
    }
}
