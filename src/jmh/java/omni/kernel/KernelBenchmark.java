package omni.kernel;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kernel validation on pre-parsed batches of 1,000 valid transfers (each on two parents from the batch before,
 * between 100,000 funded accounts, so the state grows as it would in service). Scores are transfers per
 * second. {@code full}: stateless (SHA-256 ids) then stateful on one thread; {@code fullParallel}: stateless
 * through a {@link StatelessPool} of 2 threads in three chunks (one on the caller), then stateful;
 * {@code statelessOnly} and {@code statefulOnly} the two halves (setup computes the ids of every batch, outside
 * the measurement, so statefulOnly can skip it). The kernel holds every partition, as a single node does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "-XX:+UseParallelGC"})
public class KernelBenchmark {
    static final int BATCH_SIZE = 1_000;
    static final int ACCOUNT_COUNT = 100_000;
    static final long NOW_MS = 1_764_130_000_000L;
    /** Three chunks a batch: the caller's and one for each of the pool's 2 threads. */
    static final int PARALLEL_CHUNK_ITEM_COUNT = (BATCH_SIZE + 2) / 3;
    /** The two chunks a batch hands to the pool. */
    static final int QUEUED_CHUNK_COUNT_MAX = 2;

    private Kernel kernel;
    private TransferBatch batch;
    private TransferIds ids;
    private StatelessPool pool;
    private long[] seqOf;
    private byte[] previousIds;
    private long nextSender;

    @Setup(Level.Trial)
    public void setUp() {
        kernel = new Kernel("omni", account -> (int) Long.remainderUnsigned(account * 0x9E3779B97F4A7C15L >>> 1,
                Kernel.PARTITION_COUNT));
        batch = new TransferBatch();
        ids = new TransferIds();
        pool = new StatelessPool(2, PARALLEL_CHUNK_ITEM_COUNT, QUEUED_CHUNK_COUNT_MAX);
        seqOf = new long[ACCOUNT_COUNT + 1];
        previousIds = new byte[BATCH_SIZE * TransferBatch.ID_SIZE];
        fund();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        pool.close();
    }

    /** The issuer gives every account plenty, in batches of 1,000, so that no benchmark transfer lacks funds. */
    private void fund() {
        byte[] genesis = kernel.genesisId();
        for (int k = 0; k < BATCH_SIZE; k++) {
            System.arraycopy(genesis, 0, previousIds, k * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
        }
        long issuerSeq = 0;
        for (long first = 1; first <= ACCOUNT_COUNT; first += BATCH_SIZE) {
            batch.clear();
            for (long account = first; account < first + BATCH_SIZE && account <= ACCOUNT_COUNT; account++) {
                add(0, account, 1_000_000_000_000L, ++issuerSeq);
            }
            StatelessPool.validateRange(batch, 0, batch.count, true, NOW_MS, ids);
            kernel.validateStateful(batch);
            remember();
        }
    }

    /** Fills the batch with the next 1,000 transfers: round-robin senders, each on two ids of the last batch. */
    @Setup(Level.Invocation)
    public void nextBatch() {
        batch.clear();
        for (int k = 0; k < BATCH_SIZE; k++) {
            long sender = 1 + nextSender++ % ACCOUNT_COUNT;
            long receiver = 1 + (sender * 7919 + k) % ACCOUNT_COUNT;
            if (receiver == sender) {
                receiver = 1 + sender % ACCOUNT_COUNT;
            }
            add(sender, receiver, 1 + k % 100, ++seqOf[(int) sender]);
        }
        StatelessPool.validateRange(batch, 0, batch.count, false, NOW_MS, ids);
    }

    private void add(long sender, long receiver, long amount, long seq) {
        int i = batch.count++;
        batch.sender[i] = sender;
        batch.receiver[i] = receiver;
        batch.amount[i] = amount;
        batch.seq[i] = seq;
        batch.timestamp[i] = NOW_MS;
        // Two parents, except on genesis alone (the first funding batch).
        int parentCount = kernel.nextPosition() == 1 ? 1 : 2;
        batch.parentCount[i] = parentCount;
        batch.parentOffset[i] = batch.reserveParents(parentCount);
        System.arraycopy(previousIds, i * TransferBatch.ID_SIZE, batch.parents, batch.parentOffset[i],
                TransferBatch.ID_SIZE);
        if (parentCount == 2) {
            System.arraycopy(previousIds, ((i + 1) % BATCH_SIZE) * TransferBatch.ID_SIZE, batch.parents,
                    batch.parentOffset[i] + TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
        }
        batch.memoSize[i] = 0;
        batch.memoOffset[i] = 0;
        batch.idGiven[i] = false;
        batch.result[i] = Result.ACCEPTED.code();
    }

    private void remember() {
        for (int i = 0; i < batch.count; i++) {
            if (batch.result[i] != Result.ACCEPTED.code()) {
                throw new IllegalStateException("benchmark transfer rejected: " + batch.result(i) + " item " + i);
            }
        }
        System.arraycopy(batch.id, 0, previousIds, 0, batch.count * TransferBatch.ID_SIZE);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public long full() {
        StatelessPool.validateRange(batch, 0, batch.count, false, NOW_MS, ids);
        kernel.validateStateful(batch);
        remember();
        return kernel.nextPosition();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public long fullParallel() {
        pool.validate(batch, false, NOW_MS, ids);
        kernel.validateStateful(batch);
        remember();
        return kernel.nextPosition();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public long statefulOnly() {
        kernel.validateStateful(batch);
        remember();
        return kernel.nextPosition();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public long statelessOnly() {
        StatelessPool.validateRange(batch, 0, batch.count, false, NOW_MS, ids);
        return batch.result[BATCH_SIZE - 1];
    }
}
