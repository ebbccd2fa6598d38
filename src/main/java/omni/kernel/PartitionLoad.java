package omni.kernel;

/**
 * The accounts of one partition gathered aside, for {@link Kernel#loadPartition}: the caller puts every account
 * of the partition as storage's fold of the committed transfers gives it (balance, last seq, transfer count),
 * and the kernel then installs them in one step, so readers see the partition either absent or whole. Made by
 * {@link Kernel#startLoad}, which notes the kernel's next position: the fold must be of exactly the transfers
 * before it, and the load is refused if the kernel applied any transfer meanwhile. One thread fills it.
 */
public final class PartitionLoad {
    private final int partition;
    private final long nextPosition;
    private final AccountPartitions partitions;
    private final AccountShard shard = new AccountShard();

    PartitionLoad(int partition, long nextPosition, AccountPartitions partitions) {
        this.partition = partition;
        this.nextPosition = nextPosition;
        this.partitions = partitions;
    }

    public int partition() {
        return partition;
    }

    /** The kernel's next position when the load started; the fold must cover positions 0 .. this - 1. */
    public long nextPosition() {
        return nextPosition;
    }

    /**
     * Adds one account of this partition, once; its numbers must be ones the kernel could have reached (a
     * balance below 0 only for the issuer, and not below {@link Kernel#ISSUER_BALANCE_MIN}).
     */
    public void put(long accountId, long balance, long seq, long transferCount) {
        if (accountId < 0 || partitions.partitionOf(accountId) != partition) {
            throw new IllegalArgumentException("account " + accountId + " is not of partition " + partition);
        }
        boolean balanceInRange = accountId == Kernel.ISSUER ? balance >= Kernel.ISSUER_BALANCE_MIN : balance >= 0;
        if (!balanceInRange || seq < 0 || transferCount < 0) {
            throw new IllegalArgumentException("account " + accountId + " of partition " + partition
                    + " has balance=" + balance + ", seq=" + seq + ", transferCount=" + transferCount);
        }
        if (shard.find(accountId) >= 0) {
            throw new IllegalArgumentException("account " + accountId + " put twice into partition " + partition);
        }
        int row = shard.findOrInsert(accountId);
        shard.set(row, AccountShard.FIELD_BALANCE, balance);
        shard.set(row, AccountShard.FIELD_SEQ, seq);
        shard.set(row, AccountShard.FIELD_TRANSFER_COUNT, transferCount);
    }

    public int accountCount() {
        return shard.rowCount();
    }

    AccountPartitions owner() {
        return partitions;
    }

    AccountShard shard() {
        return shard;
    }
}
