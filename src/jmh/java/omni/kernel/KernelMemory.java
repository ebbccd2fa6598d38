package omni.kernel;

import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * Heap per account and per committed transfer, measured as heap used after full GCs: (1) the per-partition
 * account state alone ({@link AccountPartitions}, every partition held) with 1M accounts, (2) the global DAG
 * state alone ({@link DagState}: id index and tips) with 10M transfers, (3) a whole kernel filled through
 * validation with 1M accounts and 10M transfers.
 * Run: {@code mvn -B -q -o -Pjmh test-compile && java -Xmx8g -XX:+UseParallelGC
 * -cp target/classes:target/test-classes omni.kernel.KernelMemory}
 */
public final class KernelMemory {
    static final int ACCOUNT_COUNT = 1_000_000;
    static final int TRANSFER_COUNT = 10_000_000;

    private KernelMemory() {
    }

    public static void main(String[] args) {
        long before = usedAfterGc();
        AccountPartitions partitions = new AccountPartitions(account -> (int) (account % Kernel.PARTITION_COUNT));
        for (long account = 1; account <= ACCOUNT_COUNT; account++) {
            AccountShard shard = partitions.shard(partitions.partitionOf(account));
            int row = shard.findOrInsert(account);
            shard.set(row, AccountShard.FIELD_BALANCE, account);
        }
        long accounts = usedAfterGc() - before;
        System.out.printf("account partitions: %d accounts, %.1f MiB, %.1f B/account%n", ACCOUNT_COUNT,
                accounts / 1048576.0, (double) accounts / ACCOUNT_COUNT);
        before = usedAfterGc();
        DagState dag = new DagState("omni", 42, 0);
        byte[] id = new byte[TransferBatch.ID_SIZE];
        int[] parent = new int[1];
        Random random = new Random(42);
        // Genesis is position 0; each transfer after it references the one before, as the old count did.
        for (int position = 1; position < TRANSFER_COUNT; position++) {
            random.nextBytes(id);
            parent[0] = position - 1;
            dag.append(id, 0, 1_764_130_000_000L + position, parent, 1);
        }
        long transfers = usedAfterGc() - before;
        System.out.printf("DAG state (id index + tips): %d transfers, %.1f MiB, %.1f B/transfer%n", TRANSFER_COUNT,
                transfers / 1048576.0, (double) transfers / TRANSFER_COUNT);
        if (partitions.accountCount() + dag.nextPosition() + dag.tipCount() < 0) {
            throw new IllegalStateException("keeps the structures reachable until here");
        }
        partitions = null;
        dag = null;
        wholeKernel((double) accounts / ACCOUNT_COUNT);
    }

    /** A kernel filled the way the service fills it: issues to every account, then moves between them. */
    private static void wholeKernel(double bytesPerAccount) {
        long before = usedAfterGc();
        Kernel kernel = new Kernel("omni", account -> (int) Long.remainderUnsigned(account * 0x9E3779B97F4A7C15L >>> 1,
                Kernel.PARTITION_COUNT));
        TransferBatch batch = new TransferBatch();
        TransferIds ids = new TransferIds();
        long[] seqOf = new long[ACCOUNT_COUNT + 1];
        byte[] previous = kernel.genesisId();
        long issued = 0;
        while (kernel.nextPosition() <= TRANSFER_COUNT) {
            batch.clear();
            for (int k = 0; k < TransferBatch.ITEM_COUNT_MAX && kernel.nextPosition() + k <= TRANSFER_COUNT; k++) {
                boolean issue = issued < ACCOUNT_COUNT;
                long sender = issue ? 0 : 1 + (kernel.nextPosition() + k) % ACCOUNT_COUNT;
                long receiver = issue ? ++issued : 1 + (sender * 7919 + k) % ACCOUNT_COUNT;
                receiver = receiver == sender ? 1 + sender % ACCOUNT_COUNT : receiver;
                add(batch, sender, receiver, issue ? 1_000_000_000L : 1, ++seqOf[(int) sender], previous);
            }
            StatelessPool.validateRange(batch, 0, batch.count, true, 1_764_130_000_000L, ids);
            kernel.validateStateful(batch);
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] != Result.ACCEPTED.code()) {
                    throw new IllegalStateException("rejected " + batch.result(i) + " at item " + i);
                }
            }
            previous = java.util.Arrays.copyOfRange(batch.id, (batch.count - 1) * 32, batch.count * 32);
        }
        long used = usedAfterGc() - before;
        System.out.printf("whole kernel: %d accounts, %d transfers, %.1f MiB in all, %.1f B/transfer with accounts"
                + " counted at %.1f B each%n", kernel.accountCount(), kernel.nextPosition(), used / 1048576.0,
                (used - bytesPerAccount * ACCOUNT_COUNT) / kernel.nextPosition(), bytesPerAccount);
        if (kernel.balanceSum() != 0) {
            throw new IllegalStateException("balances do not sum to 0");
        }
    }

    private static void add(TransferBatch batch, long sender, long receiver, long amount, long seq, byte[] parent) {
        int i = batch.count++;
        batch.sender[i] = sender;
        batch.receiver[i] = receiver;
        batch.amount[i] = amount;
        batch.seq[i] = seq;
        batch.timestamp[i] = 1_764_130_000_000L;
        batch.parentCount[i] = 1;
        batch.parentOffset[i] = batch.reserveParents(1);
        System.arraycopy(parent, 0, batch.parents, batch.parentOffset[i], TransferBatch.ID_SIZE);
        batch.memoSize[i] = 0;
        batch.memoOffset[i] = 0;
        batch.idGiven[i] = false;
        batch.result[i] = Result.ACCEPTED.code();
    }

    private static long usedAfterGc() {
        for (int k = 0; k < 3; k++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
