package omni.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.pool.HikariPool;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;
import io.helidon.dbclient.jdbc.JdbcConnectionPool;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import omni.proof.Checkpoint;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What PostgreSQL and H2 share: the pools, migrations, genesis, append and the transfer reads; the tables
 * beside {@code transfers} have their own classes ({@link MetaTable}, {@link CheckpointTable},
 * {@link ProjectionTables}). Writes run on raw JDBC connections: append needs the driver's COPY API on the very
 * connection that holds the transaction, and the projector holds a row lock until its commit. Lookups (a
 * transfer, an account's history, checkpoints, meta) run through Helidon's DB client over the same shared pool:
 * one statement each, no transaction to hold. See docs/storage.md.
 */
abstract class JdbcStore implements Store {
    /** Hikari waits this long for a free connection: appends take milliseconds, so a longer wait means an outage. */
    static final long CONNECTION_TIMEOUT_MS = 2_000;
    /** Readiness probes answer within a second. */
    static final long VALIDATION_TIMEOUT_MS = 1_000;
    static final String TRANSFER_COLUMNS = "position, id, sender, receiver, amount, seq, timestamp, parents, memo";

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
    /** The read side: Helidon's DB client handed the shared pool, so reads and writes share one set of connections. */
    private volatile DbClient readClient;
    private Projector projector;
    private final MetaTable meta = new MetaTable(this);
    private final CheckpointTable checkpoints = new CheckpointTable(this);
    private final ProjectionTables projection = new ProjectionTables(this);

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
            if (readClient == null) {
                readClient = readClient(pool);
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
                                + "' (genesis " + HexFormat.of().formatHex(id) + "), not the ledger '" + ledgerName
                                + "' (genesis " + HexFormat.of().formatHex(expected) + ")");
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

    /** A DB client whose every statement borrows a connection from {@code shared} and gives it back. */
    private static DbClient readClient(HikariDataSource shared) {
        JdbcConnectionPool connections = () -> {
            try {
                return shared.getConnection();
            } catch (SQLException e) {
                throw new DbClientException("no connection from " + shared.getPoolName() + ": " + e.getMessage(), e);
            }
        };
        return JdbcClientBuilder.create().connectionPool(connections).build();
    }

    /** The statements of the read side; StoreException if the store is not open. */
    DbExecute reads(String what) throws StoreException {
        DbClient client = readClient;
        if (client == null) {
            throw new StoreException(what + " on " + description() + ": the store is not open");
        }
        return client.execute();
    }

    private void closePool() {
        if (readClient != null) {
            readClient.close();
            readClient = null;
        }
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
        if (acceptedCount(batches, batchCount) == 0) {
            return;
        }
        String what = "append";
        appendLock.lock();
        try (Connection c = appendConnection(what)) {
            try {
                c.setAutoCommit(false);
                appendIn(c, batches, batchCount);
                c.commit();
                syncCommitted(c);
                appended();
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

    /**
     * The rows of an append, in the caller's transaction on {@code c}: checks that the accepted items' positions
     * are contiguous and continue the last committed one, then writes them. Nothing is committed here.
     */
    void appendIn(Connection c, TransferBatch[] batches, int batchCount) throws StoreException {
        int rowCount = acceptedCount(batches, batchCount);
        if (rowCount == 0) {
            return;
        }
        long first = firstAcceptedPosition(batches, batchCount);
        checkContiguous(batches, batchCount, first);
        String what = "append positions " + first + ".." + (first + rowCount - 1);
        try {
            long last = maxPosition(c);
            if (first != last + 1) {
                throw new StoreException(what + " on " + description() + ": the last committed position is "
                        + last + ", so the next must be " + (last + 1) + "; nothing written");
            }
            insertRows(c, batches, batchCount, first, rowCount);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** The append pool's one connection (see {@link #appendPool}); the caller holds {@link #appendLock}. */
    Connection appendConnection(String what) throws StoreException {
        return connection(appendPool, what);
    }

    /** An append committed: the projector's pacing counts from now. */
    void appended() {
        lastAppendNs = System.nanoTime();
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
        try {
            Optional<DbRow> row = reads(what).get("SELECT " + TRANSFER_COLUMNS + " FROM transfers WHERE position = ?",
                    position);
            out.clear();
            row.ifPresent(r -> fill(r, out));
            return row.isPresent();
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    /** Appends a row ({@link #TRANSFER_COLUMNS} order, by index: H2 names columns in upper case) to {@code out}. */
    private static void fill(DbRow row, TransferBatch out) {
        int i = out.add(row.column(3).get(Long.class), row.column(4).get(Long.class), row.column(5).get(Long.class),
                row.column(6).get(Long.class), row.column(7).get(Long.class));
        out.setCommitted(i, row.column(1).get(Long.class), row.column(2).get(byte[].class), 0);
        byte[] parents = row.column(8).get(byte[].class);
        out.setParents(i, parents, 0, parents.length / TransferBatch.ID_SIZE);
        byte[] memo = row.column(9).get(byte[].class);
        out.setMemo(i, memo, 0, memo.length);
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
        return projection.accountHistory(account, beforePosition, limit, outPositions);
    }

    @Override
    public void scanBalances(BalanceConsumer consumer) throws StoreException {
        projection.scanBalances(consumer);
    }

    @Override
    public long getMeta(String key, long missing) throws StoreException {
        return meta.get(key, missing);
    }

    @Override
    public void putMeta(String key, long value) throws StoreException {
        meta.put(key, value);
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
        checkpoints.save(cp);
    }

    @Override
    public Checkpoint latestCheckpoint() throws StoreException {
        return checkpoints.latest();
    }

    @Override
    public Checkpoint checkpoint(long seq) throws StoreException {
        return checkpoints.bySeq(seq);
    }

    @Override
    public Checkpoint checkpointCovering(long position) throws StoreException {
        return checkpoints.covering(position);
    }

    @Override
    public List<Checkpoint> checkpoints(long fromSeq, long toSeq) throws StoreException {
        return checkpoints.list(fromSeq, toSeq);
    }

    /** One projector step; see {@link ProjectionTables#projectStep}. */
    int projectStep() throws StoreException {
        return projection.projectStep();
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
