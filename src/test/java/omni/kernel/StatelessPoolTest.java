package omni.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import omni.kernel.ReferenceLedger.Tx;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Parallel stateless checks followed by the stateful ones give exactly what a sequential run gives. */
class StatelessPoolTest {
    @Test
    void parallelThenStatefulEqualsSequential() throws InterruptedException {
        long seed = Long.getLong("omni.seed", System.nanoTime());
        System.out.println("StatelessPoolTest seed=" + seed);
        Random random = new Random(seed);
        ReferenceLedger reference = new ReferenceLedger("omni");
        Generator generator = new Generator(random, reference);
        Kernel parallelKernel = KernelTest.newKernel();
        Kernel sequentialKernel = KernelTest.newKernel();
        TransferBatch parallel = new TransferBatch();
        TransferBatch sequential = new TransferBatch();
        try (StatelessPool pool = new StatelessPool(3)) {
            for (int b = 0; b < 12; b++) {
                List<Tx> txs = new ArrayList<>();
                int size = b == 0 ? 1 : b == 1 ? StatelessPool.TASK_ITEM_COUNT_MIN * 2 + 1
                        : 1 + random.nextInt(TransferBatch.ITEM_COUNT_MAX);
                for (int i = 0; i < size; i++) {
                    Tx tx = generator.next(true, txs);
                    txs.add(tx);
                    reference.validate(tx, true, KernelTest.NOW_MS);
                }
                RandomizedKernelTest.fill(parallel, txs, false);
                RandomizedKernelTest.fill(sequential, txs, false);
                pool.validate(parallel, true, KernelTest.NOW_MS);
                Kernel.validateStateless(sequential, 0, sequential.count, true, KernelTest.NOW_MS, new TransferIds());
                String where = "seed=" + seed + " batch=" + b;
                assertArrayEquals(Arrays.copyOf(sequential.result, size), Arrays.copyOf(parallel.result, size), where);
                assertArrayEquals(Arrays.copyOf(sequential.id, 32 * size), Arrays.copyOf(parallel.id, 32 * size), where);
                parallelKernel.validateStateful(parallel);
                sequentialKernel.validateStateful(sequential);
                assertArrayEquals(Arrays.copyOf(sequential.result, size), Arrays.copyOf(parallel.result, size), where);
                assertArrayEquals(Arrays.copyOf(sequential.position, size), Arrays.copyOf(parallel.position, size), where);
                assertEquals(0, parallelKernel.balanceSum());
            }
        }
        RandomizedKernelTest.assertSameState(reference, parallelKernel, "parallel, seed=" + seed);
    }
}
