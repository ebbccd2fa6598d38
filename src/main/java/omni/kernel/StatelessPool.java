package omni.kernel;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link Kernel#validateStateless} for a whole batch across cores: the batch is cut into contiguous ranges
 * of at least {@link #TASK_ITEM_COUNT_MIN} items, all but the first go to a fixed pool of platform threads (the
 * work is CPU-bound: SHA-256), the caller runs the first itself and waits for the rest. Ranges are disjoint and
 * each item's checks read only that item, so the outcome is the one a sequential run gives. Small batches run
 * entirely on the caller. The task queue is bounded; when it is full the caller runs the range itself, so
 * saturation slows callers down instead of growing a queue.
 */
public final class StatelessPool implements AutoCloseable {
    /** Below about 256 items (~35 us of hashing) handing a range to another thread costs more than it saves. */
    public static final int TASK_ITEM_COUNT_MIN = 256;
    /** Enough for every thread of a full pool to have several ranges waiting; beyond that callers run them. */
    private static final int QUEUE_CAPACITY_PER_THREAD = 64;

    private final ThreadPoolExecutor executor;
    private final int threadCount;
    /** Hashers (a digest and scratch each) lent to whoever runs a range; bounded, extra ones are dropped. */
    private final ArrayBlockingQueue<TransferIds> hashers;

    public StatelessPool(int threadCount) {
        if (threadCount < 1) {
            throw new IllegalArgumentException("threadCount must be at least 1, was " + threadCount);
        }
        this.threadCount = threadCount;
        executor = new ThreadPoolExecutor(threadCount, threadCount, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(threadCount * QUEUE_CAPACITY_PER_THREAD), runnable -> {
                    Thread thread = new Thread(runnable, "omni-stateless");
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
        hashers = new ArrayBlockingQueue<>(threadCount * 2 + 16);
    }

    /** Stateless checks and ids for every item of {@code batch}, using up to threadCount + 1 threads. */
    public void validate(TransferBatch batch, boolean issuerAllowed, long nowMs) throws InterruptedException {
        int count = batch.count;
        int ranges = Math.max(1, Math.min(threadCount + 1, count / TASK_ITEM_COUNT_MIN));
        int rangeSize = (count + ranges - 1) / Math.max(ranges, 1);
        CountDownLatch done = new CountDownLatch(ranges - 1);
        // Written before countDown, read after await: the latch orders the two.
        RuntimeException[] failure = new RuntimeException[1];
        for (int r = 1; r < ranges; r++) {
            int from = r * rangeSize;
            int to = Math.min(count, from + rangeSize);
            Runnable task = () -> {
                try {
                    run(batch, from, to, issuerAllowed, nowMs);
                } catch (RuntimeException e) {
                    failure[0] = e;
                } finally {
                    done.countDown();
                }
            };
            try {
                executor.execute(task);
            } catch (RejectedExecutionException full) {
                task.run();
            }
        }
        run(batch, 0, Math.min(count, rangeSize), issuerAllowed, nowMs);
        done.await();
        if (failure[0] != null) {
            throw new IllegalStateException("stateless validation failed on a pool thread", failure[0]);
        }
    }

    private void run(TransferBatch batch, int from, int to, boolean issuerAllowed, long nowMs) {
        TransferIds ids = hashers.poll();
        if (ids == null) {
            ids = new TransferIds();
        }
        Kernel.validateStateless(batch, from, to, issuerAllowed, nowMs, ids);
        hashers.offer(ids);
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
