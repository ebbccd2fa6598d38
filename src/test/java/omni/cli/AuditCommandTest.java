package omni.cli;

import omni.ledger.EmbeddedStore;
import omni.ledger.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The command end to end on the embedded store; LedgerAudit's own tests cover every kind of problem. */
class AuditCommandTest {
    @TempDir
    Path dataDirectory;

    @Test
    void exitsZeroOnACleanLedgerAndOneOnACorruptOne() throws Exception {
        try (Store store = new EmbeddedStore(dataDirectory)) {
            store.open("omni");
        }
        assertEquals(AuditCommand.EXIT_CLEAN, Main.commandLine().execute("audit", "--data-dir", dataDirectory.toString()));
        String url = "jdbc:h2:file:" + dataDirectory.resolve("ledger").resolve("ledger").toAbsolutePath()
                + ";NON_KEYWORDS=VALUE";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE transfers SET memo = X'00' WHERE position = 0");
        }
        assertEquals(AuditCommand.EXIT_PROBLEMS, Main.commandLine().execute("audit", "--data-dir", dataDirectory.toString()));
        assertEquals(AuditCommand.EXIT_CANNOT_AUDIT, Main.commandLine().execute("audit", "--data-dir",
                dataDirectory.toString(), "--ledger-name", "other"));
    }

    @Test
    void refusesAPlaceThatHoldsNoLedgerAndCreatesNothing() throws Exception {
        Path missing = dataDirectory.resolve("no-such-dir");
        assertEquals(AuditCommand.EXIT_CANNOT_AUDIT, Main.commandLine().execute("audit", "--data-dir", missing.toString()));
        assertFalse(Files.exists(missing.resolve("ledger")), "audit created a ledger where there was none");
    }

    @Test
    void refusesAnEmptyPostgresDatabaseAndCreatesNoTable() throws Exception {
        String name = "omni_t_audit_" + Long.toUnsignedString(System.nanoTime(), 36);
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
             Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name);
            try {
                String url = "jdbc:postgresql://127.0.0.1:5432/" + name;
                assertEquals(AuditCommand.EXIT_CANNOT_AUDIT, Main.commandLine().execute("audit", "--db-url", url,
                        "--db-user", "postgres", "--data-dir", dataDirectory.toString()));
                try (Connection c = DriverManager.getConnection(url, "postgres", "");
                     Statement q = c.createStatement();
                     java.sql.ResultSet r = q.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) {
                    r.next();
                    assertEquals(0, r.getInt(1), "audit created tables in an empty database");
                }
            } finally {
                s.execute("DROP DATABASE " + name + " WITH (FORCE)");
            }
        }
    }
}
