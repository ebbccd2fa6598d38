package omni.ledger;

import com.zaxxer.hikari.HikariConfig;
import omni.kernel.TransferBatch;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The production store: PostgreSQL through pgjdbc and HikariCP. Append is one binary COPY into
 * {@code transfers} inside one transaction with {@code synchronous_commit = on}; scan is one binary
 * COPY out. See the notes for the measured rates against INSERT batches and text COPY.
 */
public final class PostgresStore extends JdbcStore implements SharedStore {
    /** Committer, projector, checkpointer and a few concurrent readers; six members of a cluster stay far
     *  below PostgreSQL's default max_connections of 100. */
    static final int POOL_SIZE = 8;
    /** A connection attempt gives up after this long, so an unreachable server is reported quickly. */
    static final int CONNECT_TIMEOUT_S = 2;
    /** A read that hears nothing for this long fails: far above a group commit's fsync, far below forever. */
    static final int SOCKET_TIMEOUT_S = 60;
    /** Arbitrary constant ("OMNI") naming the advisory lock that serializes migrations across members. */
    private static final long MIGRATION_LOCK_KEY = 0x4f4d4e49L;

    private final String url;
    private final String user;
    private final String password;
    private final String description;
    private final PgBinaryCopy copyWriter = new PgBinaryCopy();
    private final ClusterTables cluster = new ClusterTables(this);

    /** {@code url}: {@code jdbc:postgresql://host:port/db} (a {@code postgresql://} URL is accepted too). */
    public PostgresStore(String url, String user, String password) {
        this(url, user, password, true);
    }

    PostgresStore(String url, String user, String password, boolean projectorEnabled) {
        super(projectorEnabled);
        this.url = url.startsWith("jdbc:") ? url : "jdbc:" + url.replaceFirst("^postgres://", "postgresql://");
        if (!this.url.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("OMNI_DB_URL must be jdbc:postgresql://host:port/database, is " + url);
        }
        this.user = user;
        this.password = password;
        String rest = this.url.substring("jdbc:postgresql://".length());
        int query = rest.indexOf('?');
        this.description = "postgresql " + (query < 0 ? rest : rest.substring(0, query));
    }

    @Override
    public String kind() {
        return "postgresql";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    String dialect() {
        return "postgresql";
    }

    @Override
    public boolean holdsLedger() throws StoreException {
        Properties credentials = new Properties();
        if (user != null && !user.isEmpty()) {
            credentials.setProperty("user", user);
        }
        if (password != null && !password.isEmpty()) {
            credentials.setProperty("password", password);
        }
        try (Connection c = DriverManager.getConnection(url, credentials);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT to_regclass('transfers') IS NOT NULL")) {
            return r.next() && r.getBoolean(1);
        } catch (SQLException e) {
            throw new StoreException("look for a ledger on " + description() + ": " + e.getMessage(), e);
        }
    }

    @Override
    HikariConfig poolConfig() {
        HikariConfig config = basePoolConfig(url, "omni-postgresql", POOL_SIZE);
        if (user != null && !user.isEmpty()) {
            config.setUsername(user);
        }
        if (password != null && !password.isEmpty()) {
            config.setPassword(password);
        }
        config.addDataSourceProperty("connectTimeout", CONNECT_TIMEOUT_S);
        config.addDataSourceProperty("socketTimeout", SOCKET_TIMEOUT_S);
        config.addDataSourceProperty("tcpKeepAlive", true);
        config.addDataSourceProperty("ApplicationName", "omni");
        // Durable on return from commit, whatever the server's default says.
        config.setConnectionInitSql("SET synchronous_commit = on");
        return config;
    }

    @Override
    public void fencedTurn(String memberId, FencedTurn turn) throws StoreException {
        cluster.fencedTurn(memberId, turn);
    }

    @Override
    public void registerMember(String memberId, String apiUrl, long leaseMs) throws StoreException {
        cluster.registerMember(memberId, apiUrl, leaseMs);
    }

    @Override
    public boolean renewMember(String memberId, long leaseMs) throws StoreException {
        return cluster.renewMember(memberId, leaseMs);
    }

    @Override
    public int endStalledTurns(String memberId) throws StoreException {
        return cluster.endStalledTurns(memberId);
    }

    @Override
    public long acquireLease(String name, String memberId, long leaseMs) throws StoreException {
        return cluster.acquireLease(name, memberId, leaseMs);
    }

    @Override
    public byte[] adoptPublicKey(byte[] publicKey) throws StoreException {
        return cluster.adoptPublicKey(publicKey);
    }

    @Override
    public java.util.List<PartitionOwner> partitionOwners() throws StoreException {
        return cluster.partitionOwners();
    }

    @Override
    public java.util.List<MemberLease> members() throws StoreException {
        return cluster.members();
    }

    @Override
    void lockMigrations(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            p.setLong(1, MIGRATION_LOCK_KEY);
            p.execute();
        }
    }

    @Override
    void insertRows(Connection c, TransferBatch[] batches, int batchCount, long firstPosition, int rowCount)
            throws SQLException, StoreException {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY transfers (" + TRANSFER_COLUMNS + ") FROM STDIN (FORMAT binary)");
        try {
            long written = copyWriter.write(copy, batches, batchCount);
            long copied = copy.endCopy();
            if (written != rowCount || copied != rowCount) {
                throw new IllegalStateException("append from " + firstPosition + ": " + rowCount + " accepted, "
                        + written + " written, " + copied + " copied");
            }
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    @Override
    public void scan(long fromPosition, long toPosition, TransferBatch scratch, ScanConsumer consumer)
            throws StoreException {
        String what = "scan positions " + fromPosition + ".." + toPosition;
        copyOut(what, TRANSFER_COLUMNS, fromPosition, toPosition, reader -> {
            scratch.clear();
            while (reader.next(scratch)) {
                if (scratch.isFull()) {
                    consumer.accept(scratch);
                    scratch.clear();
                }
            }
            if (scratch.count > 0) {
                consumer.accept(scratch);
                scratch.clear();
            }
        });
    }

    /** As the base class, through a binary COPY: 1.2M-1.8M ids/s here against 0.3M-0.8M for a fetched SELECT. */
    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) throws StoreException {
        String what = checkIdsFit(fromPosition, toPosition, out, outOffset);
        long[] expected = {fromPosition};
        copyOut(what, "position, id", fromPosition, toPosition, reader -> {
            while (expected[0] <= toPosition && reader.nextPositionAndId(out,
                    (int) (outOffset + (expected[0] - fromPosition) * TransferBatch.ID_SIZE)) == expected[0]) {
                expected[0]++;
            }
        });
        if (expected[0] != toPosition + 1) {
            throw new StoreException(what + " on " + description() + ": position " + expected[0] + " is not committed",
                    expected[0]);
        }
    }

    @FunctionalInterface
    private interface CopyReading {
        void read(PgBinaryCopy.Reader reader) throws SQLException, StoreException;
    }

    /**
     * One {@code COPY (SELECT columns ... WHERE position BETWEEN from AND to ORDER BY position) TO STDOUT} in
     * binary, read by {@code reading}, then read to its end: a COPY the server has finished sending is ended
     * by reading, not by cancelling (cancelling is only for a failure half-way).
     */
    private void copyOut(String what, String columns, long fromPosition, long toPosition, CopyReading reading)
            throws StoreException {
        try (Connection c = connection(what)) {
            c.setAutoCommit(false);
            preferIndexOrder(c);
            CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + columns
                    + " FROM transfers WHERE position BETWEEN " + fromPosition + " AND " + toPosition
                    + " ORDER BY position) TO STDOUT (FORMAT binary)");
            try {
                reading.read(new PgBinaryCopy.Reader(copy));
                while (copy.readFromCopy() != null) {
                    // drain the end of the COPY so the connection is clean for the next user
                }
                c.commit();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /**
     * transfers only ever grows at the end in position order, so its primary key is perfectly correlated
     * with the heap: an index scan reads the heap sequentially and needs no sort. The planner prices it as
     * random I/O and picks a sequential scan plus an external sort instead (1M rows here: 3.9 s against
     * 2.5 s through the index), so the scan's transaction turns the alternatives off.
     */
    @Override
    void preferIndexOrder(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL enable_seqscan = off");
            s.execute("SET LOCAL enable_bitmapscan = off");
            s.execute("SET LOCAL enable_sort = off");
        }
    }

    @Override
    void applyProjection(Connection c, Projection p) throws SQLException {
        // One round trip per table for the whole step: arrays unnested by the server.
        try (PreparedStatement s = c.prepareStatement("INSERT INTO account_balances"
                + " (account, balance, seq, transfer_count)"
                + " SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])"
                + " ON CONFLICT (account) DO UPDATE SET balance = account_balances.balance + EXCLUDED.balance,"
                + " seq = GREATEST(account_balances.seq, EXCLUDED.seq),"
                + " transfer_count = account_balances.transfer_count + EXCLUDED.transfer_count")) {
            s.setObject(1, p.accounts);
            s.setObject(2, p.balances);
            s.setObject(3, p.seqs);
            s.setObject(4, p.transferCounts);
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO account_history (account, position)"
                + " SELECT * FROM unnest(?::bigint[], ?::bigint[])")) {
            s.setObject(1, p.historyAccounts);
            s.setObject(2, p.historyPositions);
            s.executeUpdate();
        }
    }

    @Override
    boolean writable(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT pg_is_in_recovery()");
             ResultSet rs = p.executeQuery()) {
            return rs.next() && !rs.getBoolean(1);
        }
    }
}
