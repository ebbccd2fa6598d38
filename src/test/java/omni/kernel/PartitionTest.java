package omni.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import omni.kernel.ReferenceLedger.Tx;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partitions held, dropped and loaded: a dropped partition's accounts are not held (reads miss them, its
 * senders come back {@link Kernel#NOT_HELD} without changing anything, credits to it are left to its owner,
 * the DAG stays whole), and loading the partition from a fold of the committed transfers restores it exactly,
 * after which validation goes on as if it had never left.
 */
class PartitionTest {
    @Test
    void aDroppedPartitionIsNotHeldAndLoadingItsFoldRestoresItExactly() {
        long seed = Long.getLong("omni.seed", System.nanoTime());
        System.out.println("PartitionTest seed=" + seed);
        Random random = new Random(seed);
        Kernel kernel = KernelTest.newKernel();
        ReferenceLedger reference = new ReferenceLedger("omni");
        Generator generator = new Generator(random, reference);
        TransferBatch batch = new TransferBatch();
        runBatches(kernel, reference, generator, batch, random, 8, seed);
        int partition = kernel.partitionOf(mostUsedAccount(reference));
        long heldBefore = kernel.accountCount();
        long inPartition = reference.accounts.keySet().stream()
                .filter(a -> kernel.partitionOf(a) == partition).count();

        kernel.dropPartition(partition);
        assertFalse(kernel.holdsPartition(partition));
        assertTrue(kernel.holdsPartition((partition + 1) % Kernel.PARTITION_COUNT));
        assertEquals(heldBefore - inPartition, kernel.accountCount());
        AccountState state = new AccountState();
        for (Map.Entry<Long, ReferenceLedger.Account> e : reference.accounts.entrySet()) {
            boolean held = kernel.partitionOf(e.getKey()) != partition;
            assertEquals(held, kernel.account(e.getKey(), state), "account " + e.getKey());
            if (held) {
                assertEquals(e.getValue().balance.longValueExact(), state.balance, "balance " + e.getKey());
            }
        }
        kernel.forEachAccount((account, balance, seq, transferCount) ->
                assertTrue(kernel.partitionOf(account) != partition, "visited a dropped account " + account));
        assertEquals(0, kernel.positionOf(kernel.genesisId(), 0));
        assertEquals(reference.tips.size(), kernel.tipCount());

        PartitionLoad load = kernel.startLoad(partition);
        for (Map.Entry<Long, ReferenceLedger.Account> e : reference.accounts.entrySet()) {
            if (kernel.partitionOf(e.getKey()) == partition) {
                ReferenceLedger.Account a = e.getValue();
                load.put(e.getKey(), a.balance.longValueExact(), a.seq, a.transferCount);
            }
        }
        assertEquals(inPartition, load.accountCount());
        kernel.loadPartition(load);
        assertTrue(kernel.holdsPartition(partition));
        RandomizedKernelTest.assertSameState(reference, kernel, "loaded, seed=" + seed);
        runBatches(kernel, reference, generator, batch, random, 4, seed);
    }

    @Test
    void sendersOfAPartitionNotHeldAreLeftUndecidedAndCreditsToItAreLeftToItsOwner() {
        Kernel kernel = KernelTest.newKernel();
        TransferBatch issue = KernelTest.submit(kernel, "[" + KernelTest.transfer(0, 5, 100, 1, KernelTest.GENESIS)
                + "]", true);
        String issued = Hex.encode(issue.id, 0, 32);
        int partition = kernel.partitionOf(5);
        kernel.dropPartition(partition);
        PartitionLoad early = kernel.startLoad(partition);
        early.put(5, 100, 0, 1);
        TransferBatch batch = new TransferBatch();
        byte[] body = ("[" + KernelTest.transfer(5, 6, 40, 1, issued) + "," + KernelTest.transfer(0, 5, 7, 2, issued)
                + "]").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(omni.ingest.IngestOutcome.OK, omni.ingest.JsonIngest.parse(body, body.length, false, batch));
        StatelessPool.validateRange(batch, 0, batch.count, true, KernelTest.NOW_MS, new TransferIds());

        assertEquals(1, kernel.validateStateful(batch));
        assertEquals(Kernel.NOT_HELD, batch.result[0]);
        assertEquals(-1, batch.position[0]);
        assertEquals(Result.ACCEPTED, batch.result(1));
        assertEquals(2, batch.position[1]);
        assertEquals(3, kernel.nextPosition());
        AccountState state = new AccountState();
        assertFalse(kernel.account(5, state));
        assertTrue(kernel.account(0, state));
        assertEquals(-107, state.balance);
        assertEquals(-107, kernel.balanceSum());
        // Gathered before the last transfer, the load lacks its credit: refused, and the partition stays out.
        assertThrows(IllegalStateException.class, () -> kernel.loadPartition(early));
        assertFalse(kernel.holdsPartition(partition));
        assertThrows(IllegalStateException.class, () -> kernel.dropPartition(partition));
        PartitionLoad load = kernel.startLoad(partition);
        assertThrows(IllegalArgumentException.class, () -> load.put(6, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> load.put(5 + Kernel.PARTITION_COUNT, -1, 0, 1));
        load.put(5, 107, 0, 2);
        assertThrows(IllegalArgumentException.class, () -> load.put(5, 107, 0, 2));
        kernel.loadPartition(load);
        assertEquals(0, kernel.balanceSum());
        assertThrows(IllegalStateException.class, () -> kernel.startLoad(partition));
        TransferBatch move = KernelTest.submit(kernel, "[" + KernelTest.transfer(5, 6, 107, 1, issued) + "]", false);
        assertEquals(Result.ACCEPTED, move.result(0));
        assertTrue(kernel.account(6, state));
        assertEquals(107, state.balance);
    }

    @Test
    void readersSeeAPartitionAbsentOrWholeWhileItIsDroppedAndLoaded() throws InterruptedException {
        long seed = Long.getLong("omni.seed", System.nanoTime());
        System.out.println("PartitionTest seed=" + seed);
        Random random = new Random(seed);
        Kernel kernel = KernelTest.newKernel();
        ReferenceLedger reference = new ReferenceLedger("omni");
        runBatches(kernel, reference, new Generator(random, reference), new TransferBatch(), random, 4, seed);
        int partition = kernel.partitionOf(mostUsedAccount(reference));
        long[] accountIds = reference.accounts.keySet().stream().filter(a -> kernel.partitionOf(a) == partition)
                .mapToLong(Long::longValue).toArray();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong absent = new AtomicLong();
        AtomicLong whole = new AtomicLong();
        CountDownLatch firstPass = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().start(() -> {
            AccountState state = new AccountState();
            do {
                for (long account : accountIds) {
                    ReferenceLedger.Account expected = reference.accounts.get(account);
                    boolean found = kernel.account(account, state);
                    (found ? whole : absent).incrementAndGet();
                    boolean right = found ? state.balance == expected.balance.longValueExact()
                            && state.seq == expected.seq && state.transferCount == expected.transferCount
                            : state.balance == 0 && state.seq == 0 && state.transferCount == 0;
                    if (!right) {
                        failure.set("account " + account + " found=" + found + " balance=" + state.balance);
                    }
                }
                firstPass.countDown();
            } while (!done.get() && failure.get() == null);
        });
        assertTrue(firstPass.await(60, TimeUnit.SECONDS), "the reader started");
        for (int round = 0; round < 2_000 && failure.get() == null; round++) {
            kernel.dropPartition(partition);
            PartitionLoad load = kernel.startLoad(partition);
            for (long account : accountIds) {
                ReferenceLedger.Account a = reference.accounts.get(account);
                load.put(account, a.balance.longValueExact(), a.seq, a.transferCount);
            }
            kernel.loadPartition(load);
        }
        done.set(true);
        reader.join();
        assertEquals(null, failure.get(), "seed=" + seed);
        System.out.println("PartitionTest reads: " + absent.get() + " absent, " + whole.get() + " whole");
        RandomizedKernelTest.assertSameState(reference, kernel, "after reloads, seed=" + seed);
    }

    private static void runBatches(Kernel kernel, ReferenceLedger reference, Generator generator, TransferBatch batch,
                                   Random random, int batchCount, long seed) {
        for (int b = 0; b < batchCount; b++) {
            List<Tx> txs = new ArrayList<>();
            List<ReferenceLedger.Outcome> expected = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(2000); i++) {
                Tx tx = generator.next(true, txs);
                txs.add(tx);
                expected.add(reference.validate(tx, true, KernelTest.NOW_MS));
            }
            RandomizedKernelTest.fill(batch, txs, false);
            StatelessPool.validateRange(batch, 0, batch.count, true, KernelTest.NOW_MS, new TransferIds());
            assertEquals(0, kernel.validateStateful(batch));
            for (int i = 0; i < batch.count; i++) {
                assertEquals(expected.get(i).result(), batch.result(i), "seed=" + seed + " item=" + i);
                assertEquals(expected.get(i).position(), batch.position[i], "seed=" + seed + " item=" + i);
            }
            RandomizedKernelTest.assertSameState(reference, kernel, "seed=" + seed + " batch=" + b);
        }
    }

    private static long mostUsedAccount(ReferenceLedger reference) {
        long best = 0;
        long bestCount = -1;
        for (Map.Entry<Long, ReferenceLedger.Account> e : reference.accounts.entrySet()) {
            if (e.getKey() != Kernel.ISSUER && e.getValue().transferCount > bestCount) {
                best = e.getKey();
                bestCount = e.getValue().transferCount;
            }
        }
        return best;
    }
}
