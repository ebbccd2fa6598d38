package omni.ledger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import omni.kernel.TransferBatch;

/**
 * The cluster's tables on PostgreSQL (schema version 5): the head row every fenced turn locks, the members'
 * leases, the partition owners and the singleton leases. Time is always the database's {@code now()}, never a
 * member's clock, so members whose clocks disagree still agree on whose lease lapsed.
 */
final class ClusterTables {
    /**
     * A member that stops inside its fenced turn (paused, a long GC, a frozen machine, or cut off from the database,
     * which does not notice a connection that went silent: TCP keepalive takes hours, and never ends behind a proxy)
     * holds the head row's lock, and every other member's turn waits behind it, the claims of its partitions too:
     * its lease lapses but nobody can take over. So PostgreSQL ends a turn whose member keeps it waiting this long
     * between two statements (idle in transaction: the session is closed) or inside one that PostgreSQL can cancel
     * ({@code statement_timeout}); a COPY whose rows stopped coming it cannot cancel (it reads the client's data
     * with cancels held off), so the other members end that one: {@link #endStalledTurns}. Either way the lock is
     * released and what the stalled member had not committed rolls back, as a failed append does. 5 s is the
     * default heartbeat timeout: a stopped member's partitions are not assigned to the others sooner anyway, so the
     * bound adds nothing to a takeover. A healthy turn is never idle nearly that long (between its statements it
     * validates one group in memory), but a starved machine can stall a JVM for seconds: 3 s, a lease, ended
     * healthy turns on a machine running three times more than its cores. The wait for the lock itself is not
     * bounded: it lasts as long as the member ahead takes, which this bounds.
     */
    static final int TURN_IDLE_TIMEOUT_MS = 5_000;

    /**
     * The {@code application_name} a turn's session carries, followed by its member's id, so that
     * {@code pg_stat_activity} shows whose turn a session is (and {@link #endStalledTurns} finds it).
     */
    static final String TURN_SESSION_PREFIX = "omni turn ";

    private final PostgresStore store;

    ClusterTables(PostgresStore store) {
        this.store = store;
    }

    void fencedTurn(String memberId, SharedStore.FencedTurn turn) throws StoreException {
        String what = "fenced turn of member " + memberId;
        store.appendLock.lock();
        try (Connection c = store.appendConnection(what)) {
            try {
                c.setAutoCommit(false);
                // set_config(..., true) is SET LOCAL: the timeout holds for this transaction only, set in the same
                // statement as the lock, so it costs no round trip.
                try (PreparedStatement p = c.prepareStatement("SELECT id, set_config('idle_in_transaction_session_"
                        + "timeout', ?, true), set_config('application_name', ?, false) FROM cluster_head"
                        + " WHERE id = 1 FOR UPDATE")) {
                    p.setString(1, Integer.toString(TURN_IDLE_TIMEOUT_MS));
                    p.setString(2, TURN_SESSION_PREFIX + memberId);
                    try (ResultSet rs = p.executeQuery()) {
                        if (!rs.next()) {
                            throw new SQLException("cluster_head has no row (schema damaged)");
                        }
                    }
                }
                try (Statement s = c.createStatement()) {
                    s.execute("SET LOCAL statement_timeout = " + TURN_IDLE_TIMEOUT_MS);
                }
                turn.run(new LockedTurn(c, memberId));
                c.commit();
                store.appended();
            } catch (SQLException | StoreException | RuntimeException e) {
                JdbcStore.rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw store.failure(what, e);
        } finally {
            store.appendLock.unlock();
        }
    }

    private final class LockedTurn implements SharedStore.Turn {
        private final Connection c;
        private final String memberId;

        LockedTurn(Connection c, String memberId) {
            this.c = c;
            this.memberId = memberId;
        }

        @Override
        public long lastPosition() throws StoreException {
            try {
                return JdbcStore.maxPosition(c);
            } catch (SQLException e) {
                throw store.failure("lastPosition in a fenced turn", e);
            }
        }

        @Override
        public void claim(int[] partitions, int count, long[] epochsOut) throws StoreException {
            for (int i = 0; i < count; i++) {
                epochsOut[i] = -1;
            }
            try (PreparedStatement p = c.prepareStatement("UPDATE partition_owners o SET member = ?, epoch = o.epoch + 1"
                    + " WHERE o.partition = ANY (?) AND (o.member IS NULL OR o.member = ? OR NOT EXISTS ("
                    + "SELECT 1 FROM cluster_members m WHERE m.id = o.member AND m.lease_expires_at > now()))"
                    + " RETURNING o.partition, o.epoch")) {
                p.setString(1, memberId);
                p.setArray(2, ints(partitions, count));
                p.setString(3, memberId);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        int partition = rs.getInt(1);
                        for (int i = 0; i < count; i++) {
                            if (partitions[i] == partition) {
                                epochsOut[i] = rs.getLong(2);
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                throw store.failure("claim " + count + " partitions for member " + memberId, e);
            }
        }

        @Override
        public void release(int[] partitions, int count) throws StoreException {
            try (PreparedStatement p = c.prepareStatement("UPDATE partition_owners SET member = NULL"
                    + " WHERE partition = ANY (?) AND member = ?")) {
                p.setArray(1, ints(partitions, count));
                p.setString(2, memberId);
                p.executeUpdate();
            } catch (SQLException e) {
                throw store.failure("release " + count + " partitions of member " + memberId, e);
            }
        }

        @Override
        public boolean holds(int[] partitions, long[] epochs, int count) throws StoreException {
            if (count == 0) {
                return true;
            }
            Long[] boxed = new Long[count];
            for (int i = 0; i < count; i++) {
                boxed[i] = epochs[i];
            }
            try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM partition_owners o"
                    + " JOIN unnest(?::int[], ?::bigint[]) AS f(partition, epoch)"
                    + " ON o.partition = f.partition AND o.epoch = f.epoch AND o.member = ?")) {
                p.setArray(1, ints(partitions, count));
                p.setArray(2, c.createArrayOf("bigint", boxed));
                p.setString(3, memberId);
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == count;
                }
            } catch (SQLException e) {
                throw store.failure("check the epochs of " + count + " partitions of member " + memberId, e);
            }
        }

        @Override
        public void append(TransferBatch[] batches, int batchCount) throws StoreException {
            store.appendIn(c, batches, batchCount);
        }

        private Array ints(int[] values, int count) throws SQLException {
            Integer[] boxed = new Integer[count];
            for (int i = 0; i < count; i++) {
                boxed[i] = values[i];
            }
            return c.createArrayOf("integer", boxed);
        }
    }

    void registerMember(String memberId, String apiUrl, long leaseMs) throws StoreException {
        update("register member " + memberId, "INSERT INTO cluster_members (id, api_url, lease_expires_at)"
                + " VALUES (?, ?, now() + ? * interval '1 millisecond') ON CONFLICT (id) DO UPDATE SET"
                + " api_url = EXCLUDED.api_url, renewed_at = now(), lease_expires_at = EXCLUDED.lease_expires_at",
                memberId, apiUrl, leaseMs);
    }

    boolean renewMember(String memberId, long leaseMs) throws StoreException {
        return update("renew the lease of member " + memberId, "UPDATE cluster_members SET renewed_at = now(),"
                + " lease_expires_at = now() + ? * interval '1 millisecond' WHERE id = ?", leaseMs, memberId) == 1;
    }

    int endStalledTurns(String memberId) throws StoreException {
        String what = "end the stalled turns of members whose lease lapsed, for member " + memberId;
        // application_name is cut to 63 bytes by PostgreSQL, so the member's name is compared as cut.
        try (Connection c = store.connection(what);
             PreparedStatement p = c.prepareStatement("SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid))"
                     + " FROM pg_stat_activity a WHERE starts_with(a.application_name, ?)"
                     + " AND a.xact_start < now() - ? * interval '1 millisecond'"
                     + " AND a.application_name <> left(? || ?, 63) AND NOT EXISTS (SELECT 1 FROM cluster_members m"
                     + " WHERE left(? || m.id, 63) = a.application_name AND m.lease_expires_at > now())")) {
            p.setString(1, TURN_SESSION_PREFIX);
            p.setLong(2, TURN_IDLE_TIMEOUT_MS);
            p.setString(3, TURN_SESSION_PREFIX);
            p.setString(4, memberId);
            p.setString(5, TURN_SESSION_PREFIX);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw store.failure(what, e);
        }
    }

    long acquireLease(String name, String memberId, long leaseMs) throws StoreException {
        String what = "acquire the " + name + " lease for member " + memberId;
        try (Connection c = store.connection(what);
             PreparedStatement p = c.prepareStatement("UPDATE cluster_leases SET"
                     + " epoch = CASE WHEN member = ? THEN epoch ELSE epoch + 1 END, member = ?,"
                     + " expires_at = now() + ? * interval '1 millisecond'"
                     + " WHERE name = ? AND (member = ? OR member IS NULL OR expires_at <= now()) RETURNING epoch")) {
            p.setString(1, memberId);
            p.setString(2, memberId);
            p.setLong(3, leaseMs);
            p.setString(4, name);
            p.setString(5, memberId);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            throw store.failure(what, e);
        }
    }

    byte[] adoptPublicKey(byte[] publicKey) throws StoreException {
        String what = "record the cluster's public key";
        try (Connection c = store.connection(what)) {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO cluster_key (id, public_key) VALUES (1, ?)"
                    + " ON CONFLICT (id) DO NOTHING")) {
                p.setBytes(1, publicKey);
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("SELECT public_key FROM cluster_key WHERE id = 1");
                 ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        } catch (SQLException e) {
            throw store.failure(what, e);
        }
    }

    List<SharedStore.PartitionOwner> partitionOwners() throws StoreException {
        return query("read the partition owners", "SELECT o.partition, o.member, o.epoch, m.api_url"
                        + " FROM partition_owners o LEFT JOIN cluster_members m ON m.id = o.member ORDER BY o.partition",
                rs -> new SharedStore.PartitionOwner(rs.getInt(1), rs.getString(2), rs.getLong(3), rs.getString(4)));
    }

    List<SharedStore.MemberLease> members() throws StoreException {
        return query("read the cluster members", "SELECT id, api_url,"
                        + " (extract(epoch FROM now() - renewed_at) * 1000)::bigint, lease_expires_at <= now()"
                        + " FROM cluster_members ORDER BY joined_at, id",
                rs -> new SharedStore.MemberLease(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBoolean(4)));
    }

    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Every row of {@code sql}, each read by {@code row}, on a connection of its own. */
    private <T> List<T> query(String what, String sql, RowReader<T> row) throws StoreException {
        List<T> rows = new ArrayList<>();
        try (Connection c = store.connection(what);
             PreparedStatement p = c.prepareStatement(sql);
             ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                rows.add(row.read(rs));
            }
            return rows;
        } catch (SQLException e) {
            throw store.failure(what, e);
        }
    }

    private int update(String what, String sql, Object... args) throws StoreException {
        try (Connection c = store.connection(what);
             PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            return p.executeUpdate();
        } catch (SQLException e) {
            throw store.failure(what, e);
        }
    }
}
