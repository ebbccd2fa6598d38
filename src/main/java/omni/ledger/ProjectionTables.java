package omni.ledger;

import io.helidon.dbclient.DbRow;
import omni.kernel.TransferBatch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * The projected tables {@code account_balances} and {@code account_history}: the projector's step (raw
 * connection: it holds the watermark's row lock until it commits) and the reads that combine the projected
 * part with the unprojected tail.
 */
final class ProjectionTables {
    private final JdbcStore store;

    ProjectionTables(JdbcStore store) {
        this.store = store;
    }

    /** Projects up to {@link Projector#STEP_TRANSFER_COUNT_MAX} transfers past the watermark; returns how many. */
    int projectStep() throws StoreException {
        try (Connection c = store.connection("project")) {
            c.setAutoCommit(false);
            try {
                long watermark = MetaTable.lockWatermark(c);
                Projection p = Projection.read(c, watermark, Projector.STEP_TRANSFER_COUNT_MAX);
                if (p.transferCount() > 0) {
                    store.applyProjection(c, p);
                    MetaTable.moveWatermark(c, p.lastPosition());
                }
                c.commit();
                return p.transferCount();
            } catch (SQLException | RuntimeException e) {
                JdbcStore.rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw store.failure("project", e);
        }
    }

    int accountHistory(long account, long beforePosition, int limit, long[] outPositions) throws StoreException {
        String what = "accountHistory account " + account + " before " + beforePosition;
        if (limit < 0 || limit > outPositions.length) {
            throw new IllegalArgumentException(what + ": limit " + limit + " for " + outPositions.length + " slots");
        }
        // Everything at or below the watermark is in account_history (committed with the watermark), so the
        // watermark read first stays a valid split even if the projector moves on between the statements;
        // above it, the transfers themselves are read. Newest first: the tail, then the projected part.
        long watermark = store.getMeta(MetaTable.PROJECTOR_POSITION_KEY, 0);
        try {
            int n = positions(what, "SELECT position FROM transfers WHERE position > ? AND position < ?"
                    + " AND ? IN (sender, receiver) ORDER BY position DESC", watermark, beforePosition,
                    account, limit, outPositions, 0);
            if (n < limit) {
                n += positions(what, "SELECT position FROM account_history WHERE position <= ? AND position < ?"
                        + " AND account = ? ORDER BY position DESC", watermark, beforePosition, account,
                        limit - n, outPositions, n);
            }
            return n;
        } catch (RuntimeException e) {
            throw store.failure(what, e);
        }
    }

    private int positions(String what, String sql, long a, long b, long account, int limit, long[] out,
                          int outOffset) throws StoreException {
        int n = 0;
        try (Stream<DbRow> rows = store.reads(what).query(sql + " LIMIT ?", a, b, account, limit)) {
            for (Iterator<DbRow> it = rows.iterator(); it.hasNext() && n < limit; ) {
                out[outOffset + n++] = it.next().column(1).get(Long.class);
            }
        }
        return n;
    }

    /**
     * Streams every balance on a raw connection: PostgreSQL sends a large result in fetch-size pieces only inside
     * a transaction, which the DB client's one-statement query does not open.
     */
    void scanBalances(BalanceConsumer consumer) throws StoreException {
        try (Connection c = store.connection("scanBalances")) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT account, balance, seq, transfer_count FROM balances ORDER BY account")) {
                p.setFetchSize(TransferBatch.ITEM_COUNT_MAX);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        consumer.accept(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
                    }
                }
                c.commit();
            }
        } catch (SQLException e) {
            throw store.failure("scanBalances", e);
        }
    }
}
