package omni.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import omni.kernel.ReferenceLedger.Tx;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The stateless path in parallel chunks followed by the stateful checks gives exactly what a sequential run
 * gives: with the engine's chunks, and with tiny chunks and a queue of one, where most chunks find the queue
 * full and run on the caller.
 */
class StatelessPoolTest {
    /** Chunks so small that a batch has hundreds: the pool's single thread and queue of one overflow. */
    private static final int TINY_CHUNK_ITEM_COUNT = 7;

    @Test
    void parallelThenStatefulEqualsSequentialWithTheEnginesChunks() throws InterruptedException {
        try (StatelessPool pool = new StatelessPool(3, StatelessPool.CHUNK_ITEM_COUNT, 4)) {
            parallelThenStatefulEqualsSequential(pool, StatelessPool.CHUNK_ITEM_COUNT);
        }
    }

    @Test
    void parallelThenStatefulEqualsSequentialWhenTheQueueOverflows() throws InterruptedException {
        try (StatelessPool pool = new StatelessPool(1, TINY_CHUNK_ITEM_COUNT, 1)) {
            parallelThenStatefulEqualsSequential(pool, TINY_CHUNK_ITEM_COUNT);
        }
    }

    private static void parallelThenStatefulEqualsSequential(StatelessPool pool, int chunkItemCount) {
        long seed = Long.getLong("omni.seed", System.nanoTime());
        System.out.println("StatelessPoolTest seed=" + seed);
        Random random = new Random(seed);
        ReferenceLedger reference = new ReferenceLedger("omni");
        Generator generator = new Generator(random, reference);
        Kernel parallelKernel = KernelTest.newKernel();
        Kernel sequentialKernel = KernelTest.newKernel();
        TransferBatch parallel = new TransferBatch();
        TransferBatch sequential = new TransferBatch();
        TransferIds callerIds = new TransferIds();
        for (int b = 0; b < 12; b++) {
            List<Tx> txs = new ArrayList<>();
            int size = b == 0 ? 1 : b == 1 ? chunkItemCount * 2 + 1 : 1 + random.nextInt(TransferBatch.ITEM_COUNT_MAX);
            for (int i = 0; i < size; i++) {
                Tx tx = generator.next(true, txs);
                txs.add(tx);
                reference.validate(tx, true, KernelTest.NOW_MS);
            }
            RandomizedKernelTest.fill(parallel, txs, false);
            RandomizedKernelTest.fill(sequential, txs, false);
            pool.validate(parallel, true, KernelTest.NOW_MS, callerIds);
            StatelessPool.validateRange(sequential, 0, sequential.count, true, KernelTest.NOW_MS, new TransferIds());
            String where = "seed=" + seed + " batch=" + b;
            assertArrayEquals(Arrays.copyOf(sequential.result, size), Arrays.copyOf(parallel.result, size), where);
            assertArrayEquals(Arrays.copyOf(sequential.id, 32 * size), Arrays.copyOf(parallel.id, 32 * size), where);
            parallelKernel.validateStateful(parallel);
            sequentialKernel.validateStateful(sequential);
            assertArrayEquals(Arrays.copyOf(sequential.result, size), Arrays.copyOf(parallel.result, size), where);
            assertArrayEquals(Arrays.copyOf(sequential.position, size), Arrays.copyOf(parallel.position, size), where);
            assertEquals(0, parallelKernel.balanceSum());
        }
        RandomizedKernelTest.assertSameState(reference, parallelKernel, "parallel, seed=" + seed);
    }
}
