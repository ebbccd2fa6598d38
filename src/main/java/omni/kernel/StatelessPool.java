package omni.kernel;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The stateless phase, MALFORMED..ISSUER_REQUIRES_ADMIN and the ids, for a whole batch: the one path the
 * engine and the kernel tests both take. A batch of at most one chunk runs on the caller. A larger one is cut
 * into chunks of {@code chunkItemCount} items; all but the first go to a fixed pool of platform threads (the work
 * is CPU-bound: SHA-256), the caller runs the first and then waits for the rest. Chunks are disjoint and each
 * item's checks read only that item, so the outcome is the one a sequential run gives. The task queue is
 * bounded; when it is full, or the pool is closed, the caller runs the chunk itself, so saturation slows
 * callers down instead of growing a queue, and no chunk is ever dropped.
 */
public final class StatelessPool implements AutoCloseable {
    /**
     * The engine's chunk: a batch of more items has its hashing split over the pool. 2,500 hashes are about
     * 0.3 ms of one core, large enough to outweigh the hand-off to another thread.
     */
    public static final int CHUNK_ITEM_COUNT = 2_500;
    /** How long {@link #close} waits for chunks in flight: each takes well under a millisecond. */
    private static final long CLOSE_WAIT_MS = 1_000;
    /** A hasher (digest and scratch) per pool thread; the pool's threads are fixed, so these are too. */
    private static final ThreadLocal<TransferIds> WORKER_IDS = ThreadLocal.withInitial(TransferIds::new);

    private final ThreadPoolExecutor executor;
    private final int chunkItemCount;

    /**
     * @param threadCount    pool threads besides the callers (the engine: one per core)
     * @param chunkItemCount items a chunk; the engine passes {@link #CHUNK_ITEM_COUNT}
     * @param queuedChunkCountMax chunks that may wait for a pool thread before callers run them themselves
     */
    public StatelessPool(int threadCount, int chunkItemCount, int queuedChunkCountMax) {
        if (threadCount < 1 || chunkItemCount < 1 || queuedChunkCountMax < 1) {
            throw new IllegalArgumentException("threadCount, chunkItemCount and queuedChunkCountMax must be at least"
                    + " 1, were " + threadCount + ", " + chunkItemCount + ", " + queuedChunkCountMax);
        }
        this.chunkItemCount = chunkItemCount;
        executor = new ThreadPoolExecutor(threadCount, threadCount, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queuedChunkCountMax),
                Thread.ofPlatform().name("omni-stateless-", 0).daemon(true).factory(),
                // Full, or shut down by close(): the caller runs the chunk, never dropped, since it waits for all.
                (chunk, pool) -> chunk.run());
    }

    /**
     * Stateless checks and ids for every item of {@code batch}; {@code callerIds} is the caller's hasher, used
     * for every chunk the caller runs. Returns once every chunk is done, even if interrupted meanwhile (the
     * batch is reused after this, so no chunk may still write into it); the interrupt is kept for the caller.
     */
    public void validate(TransferBatch batch, boolean issuerAllowed, long nowMs, TransferIds callerIds) {
        int count = batch.count;
        if (count <= chunkItemCount) {
            validateRange(batch, 0, count, issuerAllowed, nowMs, callerIds);
            return;
        }
        int chunkCount = (count + chunkItemCount - 1) / chunkItemCount;
        CountDownLatch pending = new CountDownLatch(chunkCount - 1);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread caller = Thread.currentThread();
        for (int chunk = 1; chunk < chunkCount; chunk++) {
            int from = chunk * chunkItemCount;
            int to = Math.min(count, from + chunkItemCount);
            // A chunk the queue refused runs right here on the caller, which is then free to lend its hasher.
            executor.execute(() -> runChunk(batch, from, to, issuerAllowed, nowMs,
                    Thread.currentThread() == caller ? callerIds : WORKER_IDS.get(), pending, failure));
        }
        validateRange(batch, 0, chunkItemCount, issuerAllowed, nowMs, callerIds);
        awaitChunks(pending);
        if (failure.get() != null) {
            throw new IllegalStateException("stateless validation failed on the stateless pool", failure.get());
        }
    }

    /**
     * Stateless checks MALFORMED..ISSUER_REQUIRES_ADMIN on items [from, to) and computes batch.id; items already
     * MALFORMED (ingest) stay so. Touches only that range, so threads may run disjoint ranges at once.
     */
    static void validateRange(TransferBatch batch, int from, int to, boolean issuerAllowed, long nowMs,
                              TransferIds ids) {
        Kernel.check(from >= 0 && from <= to && to <= batch.count, "range end", to);
        for (int i = from; i < to; i++) {
            batch.position[i] = -1;
            if (batch.result[i] != Result.MALFORMED.code()) {
                batch.result[i] = StatelessRules.check(batch, i, issuerAllowed, nowMs, ids).code();
            }
        }
    }

    private static void runChunk(TransferBatch batch, int from, int to, boolean issuerAllowed, long nowMs,
                                 TransferIds ids, CountDownLatch pending, AtomicReference<RuntimeException> failure) {
        try {
            validateRange(batch, from, to, issuerAllowed, nowMs, ids);
        } catch (RuntimeException e) {
            failure.set(e);
        } finally {
            pending.countDown();
        }
    }

    private static void awaitChunks(CountDownLatch pending) {
        boolean interrupted = false;
        while (true) {
            try {
                pending.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes no more chunks (callers then run theirs themselves) and waits briefly for those in flight. */
    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
    }
}
