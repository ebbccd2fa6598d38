package omni.ledger;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class EmbeddedLedgerAuditTest extends LedgerAuditContractTest {
    @TempDir
    Path dataDirectory;

    @Override
    JdbcStore newStore() {
        return new EmbeddedStore(dataDirectory, false);
    }
}
