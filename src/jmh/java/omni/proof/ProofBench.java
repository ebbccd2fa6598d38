package omni.proof;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Proof generation from cached levels, proof verification (JDK EdDSA, SunEC) and sealing a checkpoint of
 * 200,000 transfers (the ids of one second at 200k transfers/s).
 * Run: {@code mvn -Pjmh test-compile exec:exec -Djmh.args="omni.proof.ProofBench"} (about 50 s).
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ProofBench {
    /** One second of input at the target rate of 200k transfers/s. */
    static final int LEAF_COUNT = 200_000;

    private BenchCheckpointStore store;
    private Prover prover;
    private Transfer transfer;
    private String proofJson;
    private byte[] publicKey;
    private Checkpointer sealer;
    private final SplittableRandom random = new SplittableRandom(42);

    @Setup
    public void setUp() throws Exception {
        NodeKey key = NodeKey.loadOrCreate(Files.createTempDirectory("omni-proof-bench"));
        publicKey = key.publicKey();
        store = new BenchCheckpointStore();
        LevelCache cache = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        sealer = new Checkpointer(store, key, cache, 1000, c -> { });
        store.commit(LEAF_COUNT - 1); // positions 0..199,999: one checkpoint of 200k leaves
        sealer.sealOnce();
        prover = new Prover(store, cache, publicKey);
        // The proofs are of the leaves' ids; the transfer fields only matter to verification.
        byte[] id = new byte[32];
        BenchCheckpointStore.idOf(12_345, id, 0);
        transfer = new Transfer(1, 2, 3, 4, 5, new byte[32], new byte[0], id);
        proofJson = realProofJson(key);
    }

    /** A proof of a random transfer among 1,000 with real fields, so that every check of the verifier runs. */
    private static String realProofJson(NodeKey key) throws StorageException {
        MemoryCheckpointStore ledger = new MemoryCheckpointStore();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 1000; i++) {
            ledger.append(TestTransfers.random(random));
        }
        LevelCache cache = new LevelCache(ledger, LevelCache.BYTES_MAX_DEFAULT);
        new Checkpointer(ledger, key, cache, 1000, c -> { }).sealOnce();
        Proof proof = new Prover(ledger, cache, key.publicKey()).prove(ledger.transferAt(500), 500);
        if (!ProofVerifier.verify(proof.toJson(), key.publicKey()).valid()) {
            throw new IllegalStateException("the benchmark's proof does not verify");
        }
        return proof.toJson();
    }

    /** A proof for a random position of the cached 200k-leaf checkpoint (lookup + audit path + record). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Proof prove() throws StorageException {
        long position = random.nextInt(LEAF_COUNT);
        byte[] id = new byte[32];
        BenchCheckpointStore.idOf(position, id, 0);
        return prover.prove(TestTransfers.withId(transfer, id), position);
    }

    /** The same plus its JSON, what GET /proofs/{id} sends (without the storage read of the transfer). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public String proveJson() throws StorageException {
        return prove().toJson();
    }

    /** Parse + id + checkpoint hash + Ed25519 verify + fold: what `omni verify` and POST /proofs/verify do. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public ProofVerifier.Verdict verify() {
        return ProofVerifier.verify(proofJson, null);
    }

    /** Seal 200k committed transfers: read ids, build levels, hash, sign, save, cache. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Checkpoint seal200k(SealState state) throws StorageException {
        return sealer.sealOnce();
    }

    /** Commits the next 200k positions before each seal. */
    @State(Scope.Thread)
    public static class SealState {
        @Setup(Level.Invocation)
        public void commit(ProofBench bench) {
            bench.store.commit(LEAF_COUNT);
        }
    }
}
