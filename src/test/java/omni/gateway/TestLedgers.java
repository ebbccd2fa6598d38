package omni.gateway;

import java.io.IOException;
import java.nio.file.Path;

import omni.ledger.ClusterSource;
import omni.ledger.ComponentInfo;
import omni.ledger.EngineTransferLookup;
import omni.ledger.Engine;
import omni.ledger.LocalLedger;
import omni.ledger.Store;
import omni.proof.CheckpointStore;
import omni.proof.LevelCache;
import omni.proof.NodeKey;
import omni.proof.Prover;
import omni.proof.TransferLookup;

/** Local ledgers for gateway tests that mount the API without the rest of {@code omni serve}. */
final class TestLedgers {
    private TestLedgers() {
    }

    /** The ledger of {@code engine} over {@code store}, signing with a node key kept in {@code dataDir}. */
    static LocalLedger of(Engine engine, Store store, Path dataDir) throws IOException {
        return of(engine, store, store, new EngineTransferLookup(engine), NodeKey.loadOrCreate(dataDir));
    }

    /** As {@link #of(Engine, Store, Path)}, with checkpoints and proofs from other parts. */
    static LocalLedger of(Engine engine, Store store, CheckpointStore checkpoints, TransferLookup proofLookup,
                          NodeKey key) {
        LevelCache levels = new LevelCache(checkpoints, LevelCache.BYTES_MAX_DEFAULT);
        LocalLedger.Identity identity = new LocalLedger.Identity("omni", () -> "127.0.0.1:0",
                () -> new ComponentInfo(store.kind(), "test", false, store.description()),
                () -> new ComponentInfo("in-process", "this process", false, "in-process bus"),
                ClusterSource.single("omni", () -> "127.0.0.1:0"));
        return new LocalLedger(engine, checkpoints, proofLookup, new Prover(checkpoints, levels, key.publicKey()),
                key.publicKey(), identity);
    }
}
