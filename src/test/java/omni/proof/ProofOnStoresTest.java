package omni.proof;

import omni.kernel.TransferBatch;
import omni.ledger.EmbeddedStore;
import omni.ledger.PostgresStore;
import omni.ledger.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proof component end to end on the real stores (embedded H2 and PostgreSQL), wired the way a node wires it: the
 * checkpointer's thread seals what the store committed, proofs come from a {@link TransferLookup} over
 * {@code Store.readTransfer}, a restart (new store object, new checkpointer) continues the chain, and the
 * chain audit passes. The id index of the lookup is the test's (a node uses the kernel's).
 */
class ProofOnStoresTest {
    /** Opens a new store object on the same database each call. */
    @FunctionalInterface
    interface StoreFactory {
        Store open() throws Exception;
    }

    private static final String PG_SERVER = "jdbc:postgresql://127.0.0.1:5432/";

    @Test
    void embedded(@TempDir Path dataDir) throws Exception {
        sealProveRestartAndAudit(dataDir, () -> new EmbeddedStore(dataDir));
    }

    /** The shared test server (trust auth); a database of this test's own, dropped after. */
    @Test
    void postgresql(@TempDir Path dataDir) throws Exception {
        String name = "omni_t_proof_" + Long.toHexString(new Random().nextLong() >>> 1);
        admin("CREATE DATABASE " + name);
        try {
            sealProveRestartAndAudit(dataDir, () -> new PostgresStore(PG_SERVER + name, "postgres", ""));
        } finally {
            admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static void admin(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PG_SERVER + "postgres", "postgres", "");
             java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void append(Store store, List<Transfer> committed, Random random, int count) throws Exception {
        TransferBatch batch = new TransferBatch();
        for (int i = 0; i < count; i++) {
            Transfer t = TestTransfers.random(random);
            int at = batch.add(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp());
            batch.setParents(at, t.parents(), 0, t.parentCount());
            batch.setMemo(at, t.memo(), 0, t.memo().length);
            batch.setCommitted(at, committed.size(), t.id(), 0);
            committed.add(t);
        }
        store.append(new TransferBatch[] {batch}, 1);
    }

    private static TransferLookup lookup(Store store, List<Transfer> committed) {
        return new TransferLookup() {
            @Override
            public long positionOf(byte[] id) {
                for (int p = 0; p < committed.size(); p++) {
                    if (java.util.Arrays.equals(committed.get(p).id(), id)) {
                        return p;
                    }
                }
                return -1;
            }

            @Override
            public Transfer transferAt(long position) throws StorageException {
                TransferBatch out = new TransferBatch();
                return store.readTransfer(position, out) ? Transfer.fromBatch(out, 0) : null;
            }
        };
    }

    private static void awaitSealedThrough(Store store, long position) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (store.latestCheckpoint() == null || store.latestCheckpoint().lastPosition() < position) {
            assertTrue(System.nanoTime() < deadline, "not sealed through " + position + ": " + store.latestCheckpoint());
            Thread.sleep(10);
        }
    }

    private static void sealProveRestartAndAudit(Path dataDir, StoreFactory stores) throws Exception {
        Random random = new Random(51);
        List<Transfer> committed = new CopyOnWriteArrayList<>();
        committed.add(new Transfer(0, 0, 0, 0, 0, new byte[0], omni.kernel.TransferIds.genesisMemo("omni"),
                omni.kernel.TransferIds.genesisId("omni"))); // written by open()
        NodeKey key = NodeKey.loadOrCreate(dataDir);
        List<Checkpoint> hooked = new CopyOnWriteArrayList<>();
        try (Store store = stores.open()) {
            store.open("omni");
            LevelCache cache = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
            Checkpointer checkpointer = new Checkpointer(store, key, cache, 50, hooked::add);
            checkpointer.start();
            try {
                for (int round = 0; round < 4; round++) {
                    append(store, committed, random, 1 + random.nextInt(300));
                    awaitSealedThrough(store, committed.size() - 1);
                }
            } finally {
                checkpointer.close();
            }
            TransferLookup lookup = lookup(store, committed);
            Prover prover = new Prover(store, cache, key.publicKey());
            for (int p = 0; p < committed.size(); p += 7) {
                long position = lookup.positionOf(committed.get(p).id());
                Proof proof = prover.prove(lookup.transferAt(position), position);
                assertEquals(committed.get(p), proof.transaction());
                assertTrue(ProofVerifier.verify(proof.toJson(), key.publicKey()).valid(), "position " + p);
            }
        }
        Checkpoint before = hooked.get(hooked.size() - 1);
        try (Store store = stores.open()) {
            store.open("omni");
            append(store, committed, random, 25);
            LevelCache cold = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
            Checkpointer checkpointer = new Checkpointer(store, NodeKey.loadOrCreate(dataDir), cold, 1000, hooked::add);
            Checkpoint next = checkpointer.sealOnce();
            assertEquals(before.seq() + 1, next.seq());
            assertArrayEquals(before.hash(), next.prev());
            assertEquals(before.lastPosition() + 1, next.firstPosition());
            // A proof of a transfer sealed before the restart: its levels are rebuilt from the stored ids.
            Prover prover = new Prover(store, cold, key.publicKey());
            Proof old = prover.prove(lookup(store, committed).transferAt(3), 3);
            assertTrue(ProofVerifier.verify(old.toJson(), key.publicKey()).valid());
            ChainAudit.Report report = ChainAudit.run(store, key.publicKey(), (s, l, f) -> { });
            assertTrue(report.ok(), report.findings().toString());
            assertEquals(committed.size(), report.positionCount());
        }
    }
}
