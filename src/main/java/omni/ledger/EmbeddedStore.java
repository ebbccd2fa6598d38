package omni.ledger;

import com.zaxxer.hikari.HikariConfig;
import omni.kernel.Result;
import omni.kernel.TransferBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * The default store when no database is configured: an H2 file database (MVStore) in
 * {@code <data dir>/ledger}. Not for production: one process only, and H2 writes each commit to the file
 * without an fsync, so a commit survives a crash of OMNI but not a crash of the machine.
 */
public final class EmbeddedStore extends JdbcStore {
    /** H2's error codes (org.h2.api.ErrorCode), named here so the driver stays a runtime dependency. */
    private static final int H2_DATABASE_IS_CLOSED = 90098;
    private static final int H2_GENERAL_ERROR = 50000;
    /** In-process: the committer, the projector and a few readers. */
    static final int POOL_SIZE = 4;
    /** Rows per JDBC batch: large enough to amortize the call, small enough to bound the driver's buffer. */
    static final int INSERT_BATCH_SIZE = 1_000;

    private final Path directory;
    private final String url;

    /** {@code dataDirectory}: OMNI's data directory; the database lives in its {@code ledger} subdirectory. */
    public EmbeddedStore(Path dataDirectory) {
        this(dataDirectory, true, "");
    }

    EmbeddedStore(Path dataDirectory, boolean projectorEnabled) {
        this(dataDirectory, projectorEnabled, "");
    }

    /** {@code extraSettings}: more H2 URL settings (tests shrink the cache with it). */
    EmbeddedStore(Path dataDirectory, boolean projectorEnabled, String extraSettings) {
        super(projectorEnabled);
        this.directory = dataDirectory.resolve("ledger").toAbsolutePath().normalize();
        // retry: H2's file system that reopens the file when an interrupt closed its channel; with the default
        // one, an HTTP thread interrupted during a read breaks every later read (measured: "Reading from file
        // ... failed"). NON_KEYWORDS: meta.value is a column name in PostgreSQL. WRITE_DELAY=0: every commit
        // goes to the file at once (not within a second), so an acknowledged transfer survives kill -9.
        this.url = "jdbc:h2:retry:" + directory.resolve("ledger")
                + ";NON_KEYWORDS=VALUE;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE" + extraSettings;
    }

    @Override
    public boolean holdsLedger() {
        return Files.isRegularFile(directory.resolve("ledger.mv.db"));
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public String description() {
        return "embedded H2 at " + directory + " (not for production)";
    }

    @Override
    String dialect() {
        return "h2";
    }

    @Override
    HikariConfig poolConfig() {
        return basePoolConfig(url, "omni-embedded", POOL_SIZE);
    }

    @Override
    void lockMigrations(Connection c) {
        // H2 holds a file lock: no other process opens this database, so there is no one to wait for.
    }

    /**
     * H2 writes a commit to the file but does not fsync it, so without this an acknowledged transfer could be
     * lost with the machine (not with the process): strace showed no fsync per commit. CHECKPOINT SYNC forces
     * the file to the device, once per group commit; with StoreBench (appends of 10,000) the cost was lost in
     * this machine's run-to-run noise (35k-147k rows/s with and without it).
     */
    @Override
    void syncCommitted(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    @Override
    void insertRows(Connection c, TransferBatch[] batches, int batchCount, long firstPosition, int rowCount)
            throws SQLException {
        byte accepted = Result.ACCEPTED.code();
        int pending = 0;
        int written = 0;
        try (PreparedStatement p = c.prepareStatement("INSERT INTO transfers (" + TRANSFER_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int b = 0; b < batchCount; b++) {
                TransferBatch batch = batches[b];
                for (int i = 0; i < batch.count; i++) {
                    if (batch.result[i] != accepted) {
                        continue;
                    }
                    bind(p, batch, i);
                    p.addBatch();
                    if (++pending == INSERT_BATCH_SIZE) {
                        written += sum(p.executeBatch());
                        pending = 0;
                    }
                }
            }
            if (pending > 0) {
                written += sum(p.executeBatch());
            }
        }
        if (written != rowCount) {
            throw new IllegalStateException("append from " + firstPosition + ": " + rowCount + " accepted, "
                    + written + " inserted");
        }
    }

    private static void bind(PreparedStatement p, TransferBatch batch, int i) throws SQLException {
        int idOffset = i * TransferBatch.ID_SIZE;
        p.setLong(1, batch.position[i]);
        p.setBytes(2, Arrays.copyOfRange(batch.id, idOffset, idOffset + TransferBatch.ID_SIZE));
        p.setLong(3, batch.sender[i]);
        p.setLong(4, batch.receiver[i]);
        p.setLong(5, batch.amount[i]);
        p.setLong(6, batch.seq[i]);
        p.setLong(7, batch.timestamp[i]);
        int parentsOffset = batch.parentOffset[i];
        p.setBytes(8, Arrays.copyOfRange(batch.parents, parentsOffset,
                parentsOffset + batch.parentCount[i] * TransferBatch.ID_SIZE));
        p.setBytes(9, Arrays.copyOfRange(batch.memos, batch.memoOffset[i], batch.memoOffset[i] + batch.memoSize[i]));
    }

    private static int sum(int[] counts) {
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        return n;
    }

    @Override
    public void scan(long fromPosition, long toPosition, TransferBatch scratch, ScanConsumer consumer)
            throws StoreException {
        String what = "scan positions " + fromPosition + ".." + toPosition;
        // Windows of one chunk each: H2 would otherwise buffer a large result on disk before the first row.
        try (Connection c = connection(what);
             PreparedStatement p = c.prepareStatement("SELECT " + TRANSFER_COLUMNS
                     + " FROM transfers WHERE position BETWEEN ? AND ? ORDER BY position")) {
            long next = fromPosition;
            long last = Math.min(toPosition, maxPosition(c));
            while (next <= last) {
                long windowEnd = Math.min(last, next + TransferBatch.ITEM_COUNT_MAX - 1);
                p.setLong(1, next);
                p.setLong(2, windowEnd);
                scratch.clear();
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        fill(rs, scratch);
                    }
                }
                if (scratch.count > 0) {
                    consumer.accept(scratch);
                    scratch.clear();
                }
                next = windowEnd + 1;
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    @Override
    void applyProjection(Connection c, Projection p) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("MERGE INTO account_balances b USING (VALUES"
                + " (CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT)))"
                + " d(account, balance, seq, transfer_count) ON b.account = d.account"
                + " WHEN MATCHED THEN UPDATE SET balance = b.balance + d.balance, seq = GREATEST(b.seq, d.seq),"
                + " transfer_count = b.transfer_count + d.transfer_count"
                + " WHEN NOT MATCHED THEN INSERT (account, balance, seq, transfer_count)"
                + " VALUES (d.account, d.balance, d.seq, d.transfer_count)")) {
            for (int k = 0; k < p.accountCount(); k++) {
                s.setLong(1, p.accounts[k]);
                s.setLong(2, p.balances[k]);
                s.setLong(3, p.seqs[k]);
                s.setLong(4, p.transferCounts[k]);
                s.addBatch();
            }
            s.executeBatch();
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO account_history (account, position) VALUES (?, ?)")) {
            for (int k = 0; k < p.historyCount; k++) {
                s.setLong(1, p.historyAccounts[k]);
                s.setLong(2, p.historyPositions[k]);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /**
     * H2 closes its store after a write fails (a full disk, for one) and then answers every pooled connection
     * with "database is closed" (90098) or a general error wrapping the store's failure (50000).
     */
    @Override
    boolean databaseClosedUnderPool(SQLException e) {
        return e.getErrorCode() == H2_DATABASE_IS_CLOSED
                || e.getErrorCode() == H2_GENERAL_ERROR && String.valueOf(e.getMessage()).contains("MVStoreException");
    }

    @Override
    boolean writable(Connection c) throws SQLException {
        return !c.isReadOnly();
    }
}
