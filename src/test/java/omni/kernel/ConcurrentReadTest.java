package omni.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import omni.kernel.ReferenceLedger.Tx;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers on other threads while the writer applies batches (tables growing and being rebuilt meanwhile): every
 * read returns a state the writer actually passed through. A known id always has the position it was given,
 * a non-issuer balance is never negative, a tip listing is a list of known ids, and nothing throws.
 */
class ConcurrentReadTest {
    @Test
    void readsDuringWritesSeeConsistentState() throws InterruptedException {
        long seed = Long.getLong("omni.seed", System.nanoTime());
        System.out.println("ConcurrentReadTest seed=" + seed);
        Random random = new Random(seed);
        ReferenceLedger reference = new ReferenceLedger("omni");
        Generator generator = new Generator(random, reference);
        Kernel kernel = KernelTest.newKernel();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        // Ids with their committed positions, published to readers only after the writer applied them.
        byte[][] published = new byte[200_000][];
        AtomicLong publishedCount = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread reader = new Thread(() -> read(kernel, published, publishedCount, done, failure, reads, seed));
            reader.start();
            readers.add(reader);
        }
        TransferBatch batch = new TransferBatch();
        for (int b = 0; b < 60 && failure.get() == null; b++) {
            List<Tx> txs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                Tx tx = generator.next(true, txs);
                txs.add(tx);
                reference.validate(tx, true, KernelTest.NOW_MS);
            }
            RandomizedKernelTest.fill(batch, txs, false);
            StatelessPool.validateRange(batch, 0, batch.count, true, KernelTest.NOW_MS, new TransferIds());
            kernel.validateStateful(batch);
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] == Result.ACCEPTED.code() && batch.position[i] < published.length) {
                    published[(int) batch.position[i]] = java.util.Arrays.copyOfRange(batch.id, 32 * i, 32 * i + 32);
                }
            }
            publishedCount.set(kernel.nextPosition());
        }
        done.set(true);
        for (Thread reader : readers) {
            reader.join();
        }
        assertNull(failure.get(), "seed=" + seed);
        assertTrue(reads.get() > 1000, "readers ran: " + reads.get());
        RandomizedKernelTest.assertSameState(reference, kernel, "seed=" + seed);
    }

    private static void read(Kernel kernel, byte[][] published, AtomicLong publishedCount, AtomicBoolean done,
                             AtomicReference<Throwable> failure, AtomicLong reads, long seed) {
        Random random = new Random(seed ^ Thread.currentThread().threadId());
        AccountState state = new AccountState();
        byte[] tips = new byte[16 * 32];
        try {
            while (!done.get()) {
                long count = publishedCount.get();
                if (count > 1) {
                    int position = 1 + random.nextInt((int) Math.min(count - 1, published.length - 1));
                    byte[] id = published[position];
                    if (id != null) {
                        assertEquals(position, kernel.positionOf(id, 0));
                    }
                }
                long account = 1 + random.nextInt(150);
                if (kernel.account(account, state)) {
                    assertTrue(state.balance >= 0, "balance " + state.balance);
                    assertTrue(state.transferCount >= 1);
                }
                int tipCount = kernel.tips(16, tips);
                for (int k = 0; k < tipCount; k++) {
                    assertTrue(kernel.positionOf(tips, 32 * k) >= 0, "listed tip is known");
                }
                assertTrue(kernel.nextPosition() >= count);
                reads.incrementAndGet();
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }
}
