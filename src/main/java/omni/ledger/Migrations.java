package omni.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Versioned schema migrations, applied at open. Version {@code n} is the resource
 * {@code migrations/V<n>.<dialect>.sql} if it exists, else {@code migrations/V<n>.sql} (shared by
 * PostgreSQL and H2); versions are applied in order from the one after {@code schema_version}'s highest
 * until neither file exists. Applying twice changes nothing.
 */
final class Migrations {
    /** A bound for the version loop; far above the number of migrations OMNI will ever ship. */
    static final int VERSION_MAX = 1_000;
    private static final String RESOURCE_DIR = "migrations/";

    private Migrations() {
    }

    /** Applies what is missing in one transaction (PostgreSQL DDL is transactional); returns the schema version. */
    static int apply(Connection c, String dialect, JdbcStore.MigrationLock lock) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            lock.lockMigrations(c);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY,"
                        + " applied_at_ms BIGINT NOT NULL)");
            }
            int version = currentVersion(c);
            for (int next = version + 1; next <= VERSION_MAX; next++) {
                String sql = load(dialect, next);
                if (sql == null) {
                    break;
                }
                applyOne(c, next, sql);
                version = next;
            }
            c.commit();
            return version;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    static int currentVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void applyOne(Connection c, int version, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String statement : statements(sql)) {
                try {
                    s.execute(statement);
                } catch (SQLException e) {
                    throw new SQLException("migration V" + version + " failed at: " + statement + ": "
                            + e.getMessage(), e.getSQLState(), e);
                }
            }
        }
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO schema_version (version, applied_at_ms) VALUES (?, ?)")) {
            p.setInt(1, version);
            p.setLong(2, System.currentTimeMillis());
            p.executeUpdate();
        }
    }

    /** Splits a script at semicolons that end a line; drops comment lines. */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String statement = current.toString().strip();
                out.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("migration script ends without ';': " + current);
        }
        return out;
    }

    private static String load(String dialect, int version) {
        String specific = read(RESOURCE_DIR + "V" + version + "." + dialect + ".sql");
        return specific != null ? specific : read(RESOURCE_DIR + "V" + version + ".sql");
    }

    private static String read(String name) {
        try (InputStream in = Migrations.class.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration resource " + name, e);
        }
    }
}
