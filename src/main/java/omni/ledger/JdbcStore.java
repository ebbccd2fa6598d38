package omni.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.pool.HikariPool;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import omni.proof.Checkpoint;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What PostgreSQL and H2 share: the pool, migrations, genesis, reads, meta, checkpoints and the projector's
 * bookkeeping. Plain JDBC rather than helidon-dbclient: append and scan need the driver's COPY API on the
 * very connection that holds the transaction, the projector needs SELECT ... FOR UPDATE and commit on one
 * connection, and the remaining queries are a handful of prepared statements, so the client would add a
 * layer without removing any code.
 */
abstract class JdbcStore implements Store {
    static final String PROJECTOR_POSITION_KEY = "projector.position";
    /** Hikari waits this long for a free connection: appends take milliseconds, so a longer wait means an outage. */
    static final long CONNECTION_TIMEOUT_MS = 2_000;
    /** Readiness probes answer within a second. */
    static final long VALIDATION_TIMEOUT_MS = 1_000;
    /** Checkpoint listings are bounded by the caller; this catches a caller that forgot. */
    static final long CHECKPOINT_LIST_COUNT_MAX = 100_000;
    static final String TRANSFER_COLUMNS = "position, id, sender, receiver, amount, seq, timestamp, parents, memo";
    private static final String CHECKPOINT_COLUMNS =
            "seq, prev, first_position, last_position, count, root, timestamp, hash, signature";

    @FunctionalInterface
    interface MigrationLock {
        void lockMigrations(Connection c) throws SQLException;
    }

    private final ReentrantLock lifecycleLock = new ReentrantLock();
    /** The committer is the only caller of append; the lock makes a second caller wait instead of interleave. */
    final ReentrantLock appendLock = new ReentrantLock();
    private final boolean projectorEnabled;
    /** System.nanoTime() of the last successful append, for the projector's pacing. */
    private volatile long lastAppendNs = System.nanoTime() - 3_600_000_000_000L;
    private volatile HikariDataSource pool;
    /** One connection for append (and ping, which asks exactly "can append write?"): the hot path never
     *  queues behind readers, so a burst of slow reads cannot look like a storage outage. */
    private volatile HikariDataSource appendPool;
    private Projector projector;

    JdbcStore(boolean projectorEnabled) {
        this.projectorEnabled = projectorEnabled;
    }

    /** Settings of the shared pool; the append pool is the same with one connection. */
    abstract HikariConfig poolConfig();

    /** "postgresql" or "h2": picks the migration files. */
    abstract String dialect();

    abstract void lockMigrations(Connection c) throws SQLException;

    /** Writes the given rows (already checked contiguous from {@code firstPosition}) on {@code c}, inside its transaction. */
    abstract void insertRows(Connection c, TransferBatch[] batches, int batchCount, long firstPosition, int rowCount)
            throws SQLException, StoreException;

    /** Adds one step's folded deltas to account_balances and its rows to account_history. */
    abstract void applyProjection(Connection c, Projection p) throws SQLException;

    /** Before a range read in position order, inside its transaction: steer the planner if it needs it. */
    void preferIndexOrder(Connection c) throws SQLException {
        // H2 reads its primary key in order by itself.
    }

    /** True when the database accepts writes on {@code c}. */
    abstract boolean writable(Connection c) throws SQLException;

    /**
     * Makes a commit durable on the device before append returns (and so before anything is acknowledged), for a
     * database whose commit alone does not; PostgreSQL's does (synchronous_commit on), so by default nothing.
     */
    void syncCommitted(Connection c) throws SQLException {
    }

    @Override
    public void open(String ledgerName) throws StoreException {
        lifecycleLock.lock();
        try {
            if (pool == null) {
                pool = new HikariDataSource(poolConfig());
            }
            if (appendPool == null) {
                HikariConfig config = poolConfig();
                config.setPoolName(config.getPoolName() + "-append");
                config.setMaximumPoolSize(1);
                appendPool = new HikariDataSource(config);
            }
            try (Connection c = pool.getConnection()) {
                Migrations.apply(c, dialect(), this::lockMigrations);
                // Under the same lock: members opening an empty database at once write genesis once.
                c.setAutoCommit(false);
                try {
                    lockMigrations(c);
                    ensureGenesis(c, ledgerName);
                    c.commit();
                } finally {
                    rollbackQuietly(c);
                    c.setAutoCommit(true);
                }
            }
            if (projectorEnabled && projector == null) {
                projector = new Projector(this, description());
                projector.start();
            }
        } catch (SQLException | HikariPool.PoolInitializationException e) {
            closePool();
            throw new StoreException("open ledger '" + ledgerName + "' on " + description() + ": "
                    + rootMessage(e), e);
        } catch (StoreException e) {
            closePool();
            throw e;
        } finally {
            lifecycleLock.unlock();
        }
    }

    private void ensureGenesis(Connection c, String ledgerName) throws SQLException, StoreException {
        byte[] expected = TransferIds.genesisId(ledgerName);
        byte[] memo = TransferIds.genesisMemo(ledgerName);
        try (PreparedStatement p = c.prepareStatement("SELECT id, memo FROM transfers WHERE position = 0")) {
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    byte[] id = rs.getBytes(1);
                    if (!Arrays.equals(id, expected)) {
                        String stored = new String(rs.getBytes(2), StandardCharsets.UTF_8).replaceFirst("^genesis:", "");
                        throw new StoreException(description() + " holds the ledger of '" + stored
                                + "' (genesis " + omni.kernel.Hex.encode(id) + "), not the ledger '" + ledgerName
                                + "' (genesis " + omni.kernel.Hex.encode(expected) + ")");
                    }
                    return;
                }
            }
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO transfers (" + TRANSFER_COLUMNS
                + ") VALUES (0, ?, 0, 0, 0, 0, 0, ?, ?)")) {
            p.setBytes(1, expected);
            p.setBytes(2, new byte[0]);
            p.setBytes(3, memo);
            p.executeUpdate();
        }
    }

    @Override
    public void close() {
        lifecycleLock.lock();
        try {
            if (projector != null) {
                projector.stop();
                projector = null;
            }
            closePool();
        } finally {
            lifecycleLock.unlock();
        }
    }

    private void closePool() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
        if (appendPool != null) {
            appendPool.close();
            appendPool = null;
        }
    }

    /** A connection from the pool; StoreException if the store is not open or the pool cannot give one. */
    Connection connection(String what) throws StoreException {
        return connection(pool, what);
    }

    private Connection connection(HikariDataSource p, String what) throws StoreException {
        if (p == null) {
            throw new StoreException(what + " on " + description() + ": the store is not open");
        }
        try {
            return p.getConnection();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** A StoreException saying what failed, where, why, and the pool's state. */
    StoreException failure(String what, Exception e) {
        return new StoreException(what + " on " + description() + ": " + rootMessage(e) + " (" + poolState() + ")", e);
    }

    String poolState() {
        HikariDataSource p = pool;
        if (p == null) {
            return "pool closed";
        }
        HikariPoolMXBean bean = p.getHikariPoolMXBean();
        if (bean == null) {
            return "pool starting";
        }
        return "pool total=" + bean.getTotalConnections() + ", active=" + bean.getActiveConnections()
                + ", idle=" + bean.getIdleConnections() + ", waiting=" + bean.getThreadsAwaitingConnection();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = e.getMessage();
        return t == e || message == null ? String.valueOf(message) : message + " <- " + t;
    }

    @Override
    public void append(TransferBatch[] batches, int batchCount) throws StoreException {
        int rowCount = acceptedCount(batches, batchCount);
        if (rowCount == 0) {
            return;
        }
        long first = firstAcceptedPosition(batches, batchCount);
        checkContiguous(batches, batchCount, first);
        String what = "append positions " + first + ".." + (first + rowCount - 1);
        appendLock.lock();
        try (Connection c = connection(appendPool, what)) {
            try {
                c.setAutoCommit(false);
                long last = maxPosition(c);
                if (first != last + 1) {
                    throw new StoreException(what + " on " + description() + ": the last committed position is "
                            + last + ", so the next must be " + (last + 1) + "; nothing written");
                }
                insertRows(c, batches, batchCount, first, rowCount);
                c.commit();
                syncCommitted(c);
                lastAppendNs = System.nanoTime();
            } catch (SQLException | StoreException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            appendLock.unlock();
        }
    }

    static int acceptedCount(TransferBatch[] batches, int batchCount) {
        byte accepted = Result.ACCEPTED.code();
        int n = 0;
        for (int b = 0; b < batchCount; b++) {
            TransferBatch batch = batches[b];
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] == accepted) {
                    n++;
                }
            }
        }
        return n;
    }

    private static long firstAcceptedPosition(TransferBatch[] batches, int batchCount) {
        byte accepted = Result.ACCEPTED.code();
        for (int b = 0; b < batchCount; b++) {
            for (int i = 0; i < batches[b].count; i++) {
                if (batches[b].result[i] == accepted) {
                    return batches[b].position[i];
                }
            }
        }
        throw new IllegalStateException("no accepted item");
    }

    /** Programmer error if the kernel handed us positions with a gap: fail loudly before writing anything. */
    private static void checkContiguous(TransferBatch[] batches, int batchCount, long first) {
        byte accepted = Result.ACCEPTED.code();
        long expected = first;
        for (int b = 0; b < batchCount; b++) {
            TransferBatch batch = batches[b];
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] != accepted) {
                    continue;
                }
                if (batch.position[i] != expected) {
                    throw new IllegalStateException("append: batch " + b + " item " + i + " has position "
                            + batch.position[i] + ", expected " + expected + " (positions must be contiguous)");
                }
                if (batch.parentCount[i] < 1 || batch.parentCount[i] > TransferBatch.PARENT_COUNT_MAX) {
                    throw new IllegalStateException("append: position " + expected + " has "
                            + batch.parentCount[i] + " parents");
                }
                expected++;
            }
        }
    }

    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; Hikari evicts it and the server discards the transaction.
        }
    }

    static long maxPosition(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT MAX(position) FROM transfers");
             ResultSet rs = p.executeQuery()) {
            rs.next();
            long max = rs.getLong(1);
            return rs.wasNull() ? -1 : max;
        }
    }

    long lastAppendNs() {
        return lastAppendNs;
    }

    @Override
    public long lastPosition() throws StoreException {
        try (Connection c = connection("lastPosition")) {
            return maxPosition(c);
        } catch (SQLException e) {
            throw failure("lastPosition", e);
        }
    }

    @Override
    public boolean readTransfer(long position, TransferBatch out) throws StoreException {
        String what = "readTransfer position " + position;
        try (Connection c = connection(what);
             PreparedStatement p = c.prepareStatement("SELECT " + TRANSFER_COLUMNS
                     + " FROM transfers WHERE position = ?")) {
            p.setLong(1, position);
            try (ResultSet rs = p.executeQuery()) {
                out.clear();
                if (!rs.next()) {
                    return false;
                }
                fill(rs, out);
                return true;
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Appends the current row ({@link #TRANSFER_COLUMNS} order) as the next item of {@code out}. */
    static void fill(ResultSet rs, TransferBatch out) throws SQLException {
        int i = out.count;
        out.position[i] = rs.getLong(1);
        byte[] id = rs.getBytes(2);
        System.arraycopy(id, 0, out.id, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
        out.sender[i] = rs.getLong(3);
        out.receiver[i] = rs.getLong(4);
        out.amount[i] = rs.getLong(5);
        out.seq[i] = rs.getLong(6);
        out.timestamp[i] = rs.getLong(7);
        byte[] parents = rs.getBytes(8);
        out.parentCount[i] = parents.length / TransferBatch.ID_SIZE;
        out.parentOffset[i] = out.reserveParents(out.parentCount[i]);
        System.arraycopy(parents, 0, out.parents, out.parentOffset[i], parents.length);
        byte[] memo = rs.getBytes(9);
        out.memoSize[i] = memo.length;
        out.memoOffset[i] = out.reserveMemo(memo.length);
        System.arraycopy(memo, 0, out.memos, out.memoOffset[i], memo.length);
        out.idGiven[i] = false;
        out.result[i] = Result.ACCEPTED.code();
        out.count = i + 1;
    }

    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) throws StoreException {
        String what = checkIdsFit(fromPosition, toPosition, out, outOffset);
        try (Connection c = connection(what)) {
            c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
            preferIndexOrder(c);
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT position, id FROM transfers WHERE position BETWEEN ? AND ? ORDER BY position")) {
                p.setFetchSize(TransferBatch.ITEM_COUNT_MAX);
                p.setLong(1, fromPosition);
                p.setLong(2, toPosition);
                long expected = fromPosition;
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getLong(1) != expected) {
                            break;
                        }
                        byte[] id = rs.getBytes(2);
                        System.arraycopy(id, 0, out, (int) (outOffset + (expected - fromPosition) * TransferBatch.ID_SIZE),
                                TransferBatch.ID_SIZE);
                        expected++;
                    }
                }
                c.commit();
                if (expected != toPosition + 1) {
                    throw new StoreException(what + " on " + description() + ": position " + expected
                            + " is not committed", expected);
                }
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** The description of a readIds call; IllegalArgumentException if the ids do not fit {@code out}. */
    static String checkIdsFit(long fromPosition, long toPosition, byte[] out, int outOffset) {
        String what = "readIds positions " + fromPosition + ".." + toPosition;
        long count = toPosition - fromPosition + 1;
        if (count < 0 || outOffset < 0 || outOffset + count * TransferBatch.ID_SIZE > out.length) {
            throw new IllegalArgumentException(what + ": does not fit " + out.length + " bytes from " + outOffset);
        }
        return what;
    }

    @Override
    public int accountHistory(long account, long beforePosition, int limit, long[] outPositions) throws StoreException {
        String what = "accountHistory account " + account + " before " + beforePosition;
        if (limit < 0 || limit > outPositions.length) {
            throw new IllegalArgumentException(what + ": limit " + limit + " for " + outPositions.length + " slots");
        }
        try (Connection c = connection(what)) {
            // Everything at or below the watermark is in account_history (committed with the watermark);
            // above it, the transfers themselves are read. Newest first: the tail, then the projected part.
            long watermark = meta(c, PROJECTOR_POSITION_KEY, 0);
            int n = positions(c, "SELECT position FROM transfers WHERE position > ? AND position < ?"
                    + " AND ? IN (sender, receiver) ORDER BY position DESC", watermark, beforePosition,
                    account, limit, outPositions, 0);
            if (n < limit) {
                n += positions(c, "SELECT position FROM account_history WHERE position <= ? AND position < ?"
                        + " AND account = ? ORDER BY position DESC", watermark, beforePosition, account,
                        limit - n, outPositions, n);
            }
            return n;
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static int positions(Connection c, String sql, long a, long b, long account, int limit,
                                 long[] out, int outOffset) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql + " LIMIT ?")) {
            p.setLong(1, a);
            p.setLong(2, b);
            p.setLong(3, account);
            p.setInt(4, limit);
            int n = 0;
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next() && n < limit) {
                    out[outOffset + n++] = rs.getLong(1);
                }
            }
            return n;
        }
    }

    @Override
    public void scanBalances(BalanceConsumer consumer) throws StoreException {
        try (Connection c = connection("scanBalances")) {
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
            throw failure("scanBalances", e);
        }
    }

    @Override
    public long getMeta(String key, long missing) throws StoreException {
        try (Connection c = connection("getMeta " + key)) {
            return meta(c, key, missing);
        } catch (SQLException e) {
            throw failure("getMeta " + key, e);
        }
    }

    static long meta(Connection c, String key, long missing) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            p.setString(1, key);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : missing;
            }
        }
    }

    @Override
    public void putMeta(String key, long value) throws StoreException {
        if (key.startsWith("projector.")) {
            throw new IllegalArgumentException("meta key " + key + " belongs to the projector");
        }
        try (Connection c = connection("putMeta " + key);
             PreparedStatement p = c.prepareStatement("MERGE INTO meta m USING (VALUES (CAST(? AS VARCHAR(200)),"
                     + " CAST(? AS BIGINT))) s(name, value) ON m.name = s.name"
                     + " WHEN MATCHED THEN UPDATE SET value = s.value"
                     + " WHEN NOT MATCHED THEN INSERT (name, value) VALUES (s.name, s.value)")) {
            p.setString(1, key);
            p.setLong(2, value);
            p.executeUpdate();
        } catch (SQLException e) {
            throw failure("putMeta " + key + "=" + value, e);
        }
    }

    @Override
    public boolean ping() {
        HikariDataSource p = appendPool;
        if (p == null) {
            return false;
        }
        try (Connection c = p.getConnection()) {
            return c.isValid((int) (VALIDATION_TIMEOUT_MS / 1000)) && writable(c);
        } catch (SQLException e) {
            if (databaseClosedUnderPool(e)) {
                // The pool's connections outlived the database behind them, and nothing in the error says
                // "connection broken", so the pool would keep handing them out: retire them all, and the next
                // probe opens the database afresh.
                p.getHikariPoolMXBean().softEvictConnections();
                HikariDataSource reads = pool;
                if (reads != null && reads != p) {
                    reads.getHikariPoolMXBean().softEvictConnections();
                }
            }
            return false;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether {@code e} says the database closed while the pool kept its connections; false unless a store knows. */
    boolean databaseClosedUnderPool(SQLException e) {
        return false;
    }

    @Override
    public void saveCheckpoint(Checkpoint cp) throws StoreException {
        String what = "saveCheckpoint seq=" + cp.seq() + " positions " + cp.firstPosition() + ".." + cp.lastPosition();
        try (Connection c = connection(what);
             PreparedStatement p = c.prepareStatement("INSERT INTO checkpoints (" + CHECKPOINT_COLUMNS
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
            throw failure(what + " (latest seq=" + (latest == null ? "none" : latest.seq()) + ")", e);
        }
    }

    private Checkpoint latestQuietly() {
        try {
            return latestCheckpoint();
        } catch (StoreException e) {
            return null;
        }
    }

    @Override
    public Checkpoint latestCheckpoint() throws StoreException {
        return oneCheckpoint("latestCheckpoint", "ORDER BY seq DESC");
    }

    @Override
    public Checkpoint checkpoint(long seq) throws StoreException {
        return oneCheckpoint("checkpoint seq=" + seq, "WHERE seq = ?", seq);
    }

    @Override
    public Checkpoint checkpointCovering(long position) throws StoreException {
        Checkpoint cp = oneCheckpoint("checkpointCovering position " + position,
                "WHERE last_position >= ? ORDER BY last_position", position);
        return cp != null && cp.firstPosition() <= position ? cp : null;
    }

    private Checkpoint oneCheckpoint(String what, String clause, long... parameters) throws StoreException {
        try (Connection c = connection(what);
             PreparedStatement p = c.prepareStatement("SELECT " + CHECKPOINT_COLUMNS + " FROM checkpoints "
                     + clause + " LIMIT 1")) {
            for (int k = 0; k < parameters.length; k++) {
                p.setLong(k + 1, parameters[k]);
            }
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? checkpoint(rs) : null;
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    @Override
    public List<Checkpoint> checkpoints(long fromSeq, long toSeq) throws StoreException {
        String what = "checkpoints seq " + fromSeq + ".." + toSeq;
        if (toSeq - fromSeq >= CHECKPOINT_LIST_COUNT_MAX) {
            throw new IllegalArgumentException(what + ": more than " + CHECKPOINT_LIST_COUNT_MAX + " at once");
        }
        try (Connection c = connection(what);
             PreparedStatement p = c.prepareStatement("SELECT " + CHECKPOINT_COLUMNS
                     + " FROM checkpoints WHERE seq BETWEEN ? AND ? ORDER BY seq")) {
            p.setLong(1, fromSeq);
            p.setLong(2, toSeq);
            List<Checkpoint> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(checkpoint(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static Checkpoint checkpoint(ResultSet rs) throws SQLException {
        return new Checkpoint(rs.getLong(1), rs.getBytes(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                rs.getBytes(6), rs.getLong(7), rs.getBytes(8), rs.getBytes(9));
    }

    /** Projects up to {@link Projector#STEP_TRANSFER_COUNT_MAX} transfers past the watermark; returns how many. */
    int projectStep() throws StoreException {
        try (Connection c = connection("project")) {
            c.setAutoCommit(false);
            try {
                long watermark = lockWatermark(c);
                Projection p = Projection.read(c, watermark, Projector.STEP_TRANSFER_COUNT_MAX);
                if (p.transferCount() > 0) {
                    applyProjection(c, p);
                    try (PreparedStatement u = c.prepareStatement("UPDATE meta SET value = ? WHERE name = ?")) {
                        u.setLong(1, p.lastPosition());
                        u.setString(2, PROJECTOR_POSITION_KEY);
                        u.executeUpdate();
                    }
                }
                c.commit();
                return p.transferCount();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw failure("project", e);
        }
    }

    /** Members sharing one database take turns: the row lock serializes their projectors. */
    private static long lockWatermark(Connection c) throws SQLException {
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

    /** Common pool settings. */
    static HikariConfig basePoolConfig(String jdbcUrl, String poolName, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName(poolName);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        config.setValidationTimeout(VALIDATION_TIMEOUT_MS);
        config.setInitializationFailTimeout(1);
        return config;
    }
}
