package omni.ledger;

import omni.kernel.TransferBatch;
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

    /**
     * H2 reads files through an interruptible channel by default; an interrupted HTTP thread must not break
     * the database. A 1 MB cache makes the scans read the file (with the default file system this fails).
     */
    @Test
    void interruptedReadersDoNotBreakTheDatabase() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 20);
        try (JdbcStore store = new EmbeddedStore(dataDirectory, false, ";CACHE_SIZE=1024")) {
            store.open(LEDGER);
            appendAll(store, g, 2, TransferBatch.ITEM_COUNT_MAX, 0);
            Thread reader = Thread.ofPlatform().start(() -> {
                TransferBatch out = new TransferBatch();
                for (int k = 0; k < 200; k++) {
                    try {
                        store.scan(0, 20_000, out, chunk -> { });
                    } catch (StoreException e) {
                        Thread.interrupted(); // the interrupt may end this read, never later ones
                    }
                }
            });
            for (int k = 0; k < 200 && reader.isAlive(); k++) {
                reader.interrupt();
                Thread.sleep(5);
            }
            reader.join();
            appendAll(store, g, 1, 10, 0);
            assertEquals(20_010, store.lastPosition());
            long[] scanned = {0};
            store.scan(0, 20_010, new TransferBatch(), chunk -> scanned[0] += chunk.count);
            assertEquals(20_011, scanned[0]);
        }
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
