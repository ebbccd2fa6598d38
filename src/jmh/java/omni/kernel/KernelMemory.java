package omni.kernel;

import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * Heap per account and per committed transfer, measured as heap used after full GCs:
 * (1) the account shards alone with 1M accounts, (2) the id index and tips alone with 10M transfers,
 * (3) a whole kernel filled through validation with 1M accounts and 10M transfers.
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
        AccountShard[] shards = new AccountShard[Kernel.PARTITION_COUNT];
        for (int p = 0; p < shards.length; p++) {
            shards[p] = new AccountShard();
        }
        for (long account = 1; account <= ACCOUNT_COUNT; account++) {
            AccountShard shard = shards[(int) (account % Kernel.PARTITION_COUNT)];
            int row = shard.findOrInsert(account);
            shard.set(row, AccountShard.FIELD_BALANCE, account);
        }
        long accounts = usedAfterGc() - before;
        System.out.printf("account shards: %d accounts, %.1f MiB, %.1f B/account%n", ACCOUNT_COUNT,
                accounts / 1048576.0, (double) accounts / ACCOUNT_COUNT);
        before = usedAfterGc();
        IdIndex index = new IdIndex(42, 0);
        TipSet tips = new TipSet();
        byte[] id = new byte[TransferBatch.ID_SIZE];
        Random random = new Random(42);
        for (int position = 0; position < TRANSFER_COUNT; position++) {
            random.nextBytes(id);
            index.add(position, id, 0, 1_764_130_000_000L + position);
            tips.add(position);
            if (position > 0) {
                tips.remove(position - 1);
            }
        }
        long transfers = usedAfterGc() - before;
        System.out.printf("id index + tips: %d transfers, %.1f MiB, %.1f B/transfer%n", TRANSFER_COUNT,
                transfers / 1048576.0, (double) transfers / TRANSFER_COUNT);
        if (shards[0].rowCount() + index.size() + tips.size() < 0) {
            throw new IllegalStateException("keeps the structures reachable until here");
        }
        shards = null;
        index = null;
        tips = null;
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
            Kernel.validateStateless(batch, 0, batch.count, true, 1_764_130_000_000L, ids);
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
        int i = batch.add(sender, receiver, amount, seq, 1_764_130_000_000L);
        batch.setParents(i, parent, 0, 1);
    }

    private static long usedAfterGc() {
        for (int k = 0; k < 3; k++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
