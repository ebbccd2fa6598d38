package omni.cli;

import omni.ledger.EmbeddedStore;
import omni.ledger.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
