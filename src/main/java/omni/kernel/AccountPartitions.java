package omni.kernel;

import java.util.function.LongToIntFunction;

/**
 * The per-partition half of the kernel's state: balance, last seq and transfer count of the accounts of each
 * partition held here, one {@link AccountShard} per partition. Accounts fall into {@link Kernel#PARTITION_COUNT}
 * partitions by a function given from outside (Hazelcast's, in a cluster). A cluster member holds only the
 * partitions it owns: a partition not held has no shard (null), and moving ownership loads or drops one shard
 * without touching the others or the {@link DagState}. A new instance holds every partition, each empty.
 * Single writer, the kernel's; readers read a shard reference once and tolerate a stale one (see {@link Kernel}).
 */
final class AccountPartitions {
    private final LongToIntFunction partitionOfAccount;
    /** Null where the partition is not held; a shard is replaced only whole, by one reference write. */
    private final AccountShard[] shards = new AccountShard[Kernel.PARTITION_COUNT];

    AccountPartitions(LongToIntFunction partitionOfAccount) {
        this.partitionOfAccount = partitionOfAccount;
        for (int p = 0; p < Kernel.PARTITION_COUNT; p++) {
            shards[p] = new AccountShard();
        }
    }

    int partitionOf(long accountId) {
        int partition = partitionOfAccount.applyAsInt(accountId);
        if (partition < 0 || partition >= Kernel.PARTITION_COUNT) {
            throw new IllegalStateException("partition function gave " + partition + " for account " + accountId
                    + ", expected 0.." + (Kernel.PARTITION_COUNT - 1));
        }
        return partition;
    }

    /** The shard of {@code partition}, or null when it is not held here. */
    AccountShard shard(int partition) {
        return shards[partition];
    }

    boolean holds(int partition) {
        return shards[checkedPartition(partition)] != null;
    }

    /** Installs a shard filled aside; the partition must not be held. Writer only, under the write lock. */
    void load(int partition, AccountShard shard) {
        Kernel.check(shards[checkedPartition(partition)] == null, "load of a partition already held", partition);
        shards[partition] = shard;
    }

    /** Forgets the partition's accounts; it must be held. Writer only, under the write lock. */
    void drop(int partition) {
        Kernel.check(shards[checkedPartition(partition)] != null, "drop of a partition not held", partition);
        shards[partition] = null;
    }

    long accountCount() {
        long count = 0;
        for (AccountShard shard : shards) {
            count += shard == null ? 0 : shard.rowCount();
        }
        return count;
    }

    /** Wrap-around sum of the balances held here; 0 when every partition is held (the ledger sums to 0). */
    long balanceSum() {
        long sum = 0;
        for (AccountShard shard : shards) {
            sum += shard == null ? 0 : shard.balanceSum();
        }
        return sum;
    }

    void forEach(AccountShard.RowVisitor visitor) {
        for (AccountShard shard : shards) {
            if (shard != null) {
                shard.forEach(visitor);
            }
        }
    }

    /** Fills {@code out}; false when the account was never used or its partition is not held. Any thread. */
    boolean read(long accountId, AccountState out) {
        AccountShard shard = shards[partitionOf(accountId)];
        int row = shard == null ? -1 : shard.find(accountId);
        long[] chunk = row < 0 ? null : shard.chunkOf(row);
        if (chunk == null) {
            out.balance = 0;
            out.seq = 0;
            out.transferCount = 0;
            return false;
        }
        int o = AccountShard.offsetOf(row);
        out.balance = chunk[o + AccountShard.FIELD_BALANCE];
        out.seq = chunk[o + AccountShard.FIELD_SEQ];
        out.transferCount = chunk[o + AccountShard.FIELD_TRANSFER_COUNT];
        return true;
    }

    private static int checkedPartition(int partition) {
        if (partition < 0 || partition >= Kernel.PARTITION_COUNT) {
            throw new IllegalArgumentException("partition " + partition + " is not in 0.."
                    + (Kernel.PARTITION_COUNT - 1));
        }
        return partition;
    }
}
