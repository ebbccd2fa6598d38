package omni.ledger;

import omni.kernel.TransferBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresStoreTest extends StoreContractTest {
    private String database;

    @BeforeEach
    void createDatabase() throws Exception {
        database = TestDatabases.create("store");
    }

    @AfterEach
    void dropDatabase() throws Exception {
        TestDatabases.drop(database);
    }

    @Override
    JdbcStore newStore(boolean projectorEnabled) {
        return new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "", projectorEnabled);
    }

    @Test
    void describesItselfWithoutCredentials() {
        Store store = new PostgresStore("postgresql://db.example:15432/omni?password=secret", "u", "p");
        assertEquals("postgresql db.example:15432/omni", store.description());
        assertEquals("postgresql", store.kind());
    }

    @Test
    void anUnreachableDatabaseGivesStoreExceptionsAndPingFalse() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again below: nothing listens there
        }
        Store store = new PostgresStore("jdbc:postgresql://127.0.0.1:" + port + "/omni", "postgres", "");
        StoreException e = assertThrows(StoreException.class, () -> store.open(LEDGER));
        assertTrue(e.getMessage().contains("open ledger 'omni' on postgresql 127.0.0.1:" + port + "/omni"), e.getMessage());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertFalse(store.ping());
        assertThrows(StoreException.class, store::lastPosition);
        assertThrows(StoreException.class, () -> store.append(new TransferBatch[]{
                new LedgerGenerator(1, LEDGER, 3).batch(2, 0)}, 1));
        store.close();
    }

    @Test
    void anOutageFailsAppendsWithoutWritingAndTheStoreRecoversWhenTheDatabaseReturns() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 10);
        try (TcpProxy proxy = new TcpProxy(5432);
             PostgresStore store = new PostgresStore("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database,
                     TestDatabases.USER, "", true)) {
            store.open(LEDGER);
            appendAll(store, g, 1, 100, 0);
            proxy.cut();
            TransferBatch lost = g.batch(50, 0);
            StoreException e = assertThrows(StoreException.class, () -> store.append(new TransferBatch[]{lost}, 1));
            assertTrue(e.getMessage().contains("append positions 101..150 on postgresql 127.0.0.1:" + proxy.port()),
                    e.getMessage());
            assertFalse(store.ping());
            assertThrows(StoreException.class, store::lastPosition);
            proxy.restore();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!store.ping() && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(store.ping());
            assertEquals(100, store.lastPosition()); // nothing of the failed append was written
            store.append(new TransferBatch[]{lost}, 1); // the same positions, now for real
            assertEquals(150, store.lastPosition());
        }
    }

    @Test
    void membersOpeningAnEmptyDatabaseAtOnceMigrateAndWriteGenesisOnce() throws Exception {
        int memberCount = 4;
        JdbcStore[] stores = new JdbcStore[memberCount];
        Thread[] threads = new Thread[memberCount];
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        for (int m = 0; m < memberCount; m++) {
            JdbcStore store = stores[m] = newStore(false);
            threads[m] = Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    store.open(LEDGER);
                } catch (Exception e) {
                    e.printStackTrace();
                    failures.incrementAndGet();
                }
            });
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, failures.get());
        try (java.sql.Connection c = stores[0].connection("test")) {
            assertEquals(5, count(c, "SELECT COUNT(*) FROM schema_version"));
            assertEquals(1, count(c, "SELECT COUNT(*) FROM transfers"));
        }
        for (JdbcStore store : stores) {
            store.close();
        }
    }

    @Test
    void aRunningProjectorCatchesUp() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, 10);
        try (JdbcStore store = opened(true)) {
            appendAll(store, g, 2, 1_000, 0);
            long deadline = System.currentTimeMillis() + 10_000;
            while (store.getMeta(MetaTable.PROJECTOR_POSITION_KEY, 0) < 2_000 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(2_000, store.getMeta(MetaTable.PROJECTOR_POSITION_KEY, 0));
            assertExact(store, g);
        }
    }
}
