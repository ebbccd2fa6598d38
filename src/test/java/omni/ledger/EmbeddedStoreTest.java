package omni.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedStoreTest extends StoreContractTest {
    @TempDir
    Path dataDirectory;

    @Override
    JdbcStore newStore(boolean projectorEnabled) {
        return new EmbeddedStore(dataDirectory, projectorEnabled);
    }

    @Test
    void livesInTheLedgerDirectoryAndSaysItIsNotForProduction() throws Exception {
        try (Store store = Stores.create(null, null, null, dataDirectory)) {
            store.open(LEDGER);
            assertEquals("embedded", store.kind());
            assertTrue(store.description().endsWith("ledger (not for production)"), store.description());
            assertTrue(Files.exists(dataDirectory.resolve("ledger").resolve("ledger.mv.db")));
        }
    }
}
