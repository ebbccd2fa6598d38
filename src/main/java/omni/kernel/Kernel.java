package omni.kernel;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongToIntFunction;

/**
 * The in-memory ledger state and the validator of SPEC section 4.
 *
 * <p>State: accounts sharded into {@link #PARTITION_COUNT} {@link AccountShard}s by a partition function given
 * from outside (Hazelcast's, in a cluster), so that moving ownership of a partition only changes which shards a
 * member fills; transfers by position in an {@link IdIndex}; tips in a {@link TipSet}.
 *
 * <p>Threads: {@link #validateStateless} is static and touches only its batch range, so any thread may run it
 * and callers run disjoint ranges in parallel. All mutation happens on one writer thread
 * ({@link #validateStateful}, {@link #restore}), which holds the write side of a {@link StampedLock} for one
 * batch at a time. Readers first read optimistically (no lock, no write to shared memory) and validate the
 * stamp; if the writer ran meanwhile they retry under the read lock, waiting at most one batch. The structures
 * are built so that an optimistic read can never fail loudly on torn state: tables are rebuilt aside and
 * published by one reference write, chunks are never replaced, and every probe loop is bounded by the table
 * size; a torn result is discarded by the stamp check.
 */
public final class Kernel {
    /**
     * Hazelcast's default {@code hazelcast.partition.count}: the kernel's shards are the partitions a cluster
     * member owns, so the two counts must be one number, and this is it.
     */
    public static final int PARTITION_COUNT = 271;
    /** SPEC section 4: a timestamp more than this far ahead of the node's clock is timestamp_in_future. */
    public static final long TIMESTAMP_AHEAD_MS_MAX = 60_000;
    /** The issuer's account id (SPEC section 2). */
    public static final long ISSUER = 0;
    /**
     * The issuer's balance is kept at or above -(2^63-1): with the sum of balances 0 and every other balance
     * non-negative, no other balance can then exceed 2^63-1, so a credit never overflows (asserted).
     */
    public static final long ISSUER_BALANCE_MIN = -Long.MAX_VALUE;

    private final LongToIntFunction partitionOfAccount;
    private final AccountShard[] shards = new AccountShard[PARTITION_COUNT];
    private final IdIndex index;
    private final TipSet tips = new TipSet();
    private final StampedLock lock = new StampedLock();
    private final byte[] genesisId;
    private final StatefulScratch scratch = new StatefulScratch();
    private volatile long nextPosition;
    /** Written by {@link #prepare} only so that its loads stay; never read. */
    @SuppressWarnings("unused")
    private int touchSum;

    /** State with genesis(ledgerName) at position 0; nextPosition() == 1. */
    public Kernel(String ledgerName, LongToIntFunction partitionOfAccount) {
        this(ledgerName, partitionOfAccount, 0);
    }

    /** As above, with the id index sized for {@code expectedTransferCount} so that it need not grow. */
    public Kernel(String ledgerName, LongToIntFunction partitionOfAccount, int expectedTransferCount) {
        this.partitionOfAccount = partitionOfAccount;
        this.index = new IdIndex(ThreadLocalRandom.current().nextLong(), expectedTransferCount);
        for (int p = 0; p < PARTITION_COUNT; p++) {
            shards[p] = new AccountShard();
        }
        genesisId = TransferIds.genesisId(ledgerName);
        index.add(0, genesisId, 0, 0);
        tips.add(0);
        nextPosition = 1;
    }

    public byte[] genesisId() {
        return genesisId.clone();
    }

    /**
     * Stateless checks MALFORMED..ISSUER_REQUIRES_ADMIN on items [from, to) and computes batch.id. Any thread;
     * callers run disjoint ranges in parallel. Items already MALFORMED (ingest) stay so.
     */
    public static void validateStateless(TransferBatch batch, int from, int to, boolean issuerAllowed,
                                         long nowMs, TransferIds ids) {
        check(from >= 0 && from <= to && to <= batch.count, "range end", to);
        for (int i = from; i < to; i++) {
            batch.position[i] = -1;
            if (batch.result[i] != Result.MALFORMED.code()) {
                batch.result[i] = StatelessRules.check(batch, i, issuerAllowed, nowMs, ids).code();
            }
        }
    }

    /**
     * EXISTS..OVERFLOW for items still ACCEPTED, in item order, each seeing the effects of the earlier accepted
     * items; sets batch.position and applies effects. Writer thread only.
     */
    public void validateStateful(TransferBatch batch) {
        long stamp = lock.writeLock();
        try {
            prepare(batch);
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] == Result.ACCEPTED.code()) {
                    Result result = checkStateful(batch, i);
                    batch.result[i] = result.code();
                    if (result == Result.ACCEPTED) {
                        apply(batch, i);
                    }
                } else {
                    batch.position[i] = -1;
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Recovery: applies already-committed transfers (batch.id and batch.position set, positions contiguous from
     * nextPosition()) without rejecting; what must hold of committed transfers is asserted. Writer thread only.
     */
    public void restore(TransferBatch batch) {
        long stamp = lock.writeLock();
        try {
            prepare(batch);
            for (int i = 0; i < batch.count; i++) {
                check(batch.position[i] == nextPosition, "restore position not next, item", i);
                check(batch.parentCount[i] >= 1 && batch.parentCount[i] <= TransferBatch.PARENT_COUNT_MAX,
                        "restore parent count, item", i);
                check(index.find(batch.id, i * TransferBatch.ID_SIZE) < 0, "restore of a known id, item", i);
                for (int k = 0; k < batch.parentCount[i]; k++) {
                    int parent = index.find(batch.parents, batch.parentOffset[i] + k * TransferBatch.ID_SIZE);
                    check(parent >= 0, "restore with an unknown parent, item", i);
                    scratch.parentPositions[k] = parent;
                }
                scratch.senderRow = senderRow(batch, i);
                apply(batch, i);
                long balance = accountField(batch.sender[i], AccountShard.FIELD_BALANCE);
                check(batch.sender[i] == ISSUER ? balance >= ISSUER_BALANCE_MIN : balance >= 0,
                        "restore drives a balance out of range, item", i);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private Result checkStateful(TransferBatch batch, int i) {
        int existing = index.findUncached(batch.id, i * TransferBatch.ID_SIZE);
        if (existing >= 0) {
            batch.position[i] = existing;
            return Result.EXISTS;
        }
        batch.position[i] = -1;
        int parentCount = batch.parentCount[i];
        for (int k = 0; k < parentCount; k++) {
            int parent = index.find(batch.parents, batch.parentOffset[i] + k * TransferBatch.ID_SIZE);
            if (parent < 0) {
                return Result.PARENT_NOT_FOUND;
            }
            scratch.parentPositions[k] = parent;
        }
        for (int k = 0; k < parentCount; k++) {
            if (batch.timestamp[i] < index.timestamp(scratch.parentPositions[k])) {
                return Result.TIMESTAMP_BEFORE_PARENT;
            }
        }
        long sender = batch.sender[i];
        AccountShard shard = shards[scratch.senderPartition[i]];
        int row = senderRow(batch, i);
        scratch.senderRow = row;
        long lastSeq = row < 0 ? 0 : shard.get(row, AccountShard.FIELD_SEQ);
        long seq = batch.seq[i];
        // The genesis transfer is the issuer's seq 0, so seq 0 is "reused" for the issuer and a gap for others.
        if (seq <= lastSeq && (seq >= 1 || sender == ISSUER)) {
            return Result.SEQ_REUSED;
        }
        if (seq != lastSeq + 1) {
            return Result.SEQ_GAP;
        }
        long balance = row < 0 ? 0 : shard.get(row, AccountShard.FIELD_BALANCE);
        long amount = batch.amount[i];
        if (sender != ISSUER) {
            return balance < amount ? Result.INSUFFICIENT_FUNDS : Result.ACCEPTED;
        }
        // balance - amount >= -(2^63-1), written so that nothing overflows: amount is in 1..2^63-1.
        return balance < amount - Long.MAX_VALUE ? Result.OVERFLOW : Result.ACCEPTED;
    }

    /**
     * For every item: the partitions of both accounts and their rows if they exist (rows never move, so a row
     * found here stays right; -1 is looked up again when needed, since an earlier item may create the account),
     * and a read of the id table slot. The loop's loads do not depend on each other, so their cache misses
     * overlap instead of coming one per item in turn; validation then finds everything in cache (measured: about
     * 35% less CPU per transfer with 100k and with 1M accounts).
     */
    private void prepare(TransferBatch batch) {
        int sum = 0;
        for (int i = 0; i < batch.count; i++) {
            int senderPartition = partitionOf(batch.sender[i]);
            int receiverPartition = partitionOf(batch.receiver[i]);
            scratch.senderPartition[i] = senderPartition;
            scratch.receiverPartition[i] = receiverPartition;
            scratch.senderRowHint[i] = shards[senderPartition].find(batch.sender[i]);
            scratch.receiverRowHint[i] = shards[receiverPartition].find(batch.receiver[i]);
            sum += index.touch(batch.id, i * TransferBatch.ID_SIZE);
        }
        touchSum = sum;
    }

    /** The sender's row from {@link #prepare}, or looked up again when it did not exist then; -1 if new. */
    private int senderRow(TransferBatch batch, int i) {
        int hint = scratch.senderRowHint[i];
        return hint >= 0 ? hint : shards[scratch.senderPartition[i]].find(batch.sender[i]);
    }

    /** Applies item i; scratch holds its parent positions and sender row (-1 if new). */
    private void apply(TransferBatch batch, int i) {
        long positionLong = nextPosition;
        check(positionLong < IdIndex.POSITION_COUNT_MAX, "positions in memory", IdIndex.POSITION_COUNT_MAX);
        int position = (int) positionLong;
        long sender = batch.sender[i];
        long receiver = batch.receiver[i];
        long amount = batch.amount[i];
        AccountShard senderShard = shards[scratch.senderPartition[i]];
        int senderRow = scratch.senderRow >= 0 ? scratch.senderRow : senderShard.findOrInsert(sender);
        senderShard.set(senderRow, AccountShard.FIELD_BALANCE,
                senderShard.get(senderRow, AccountShard.FIELD_BALANCE) - amount);
        senderShard.set(senderRow, AccountShard.FIELD_SEQ, batch.seq[i]);
        senderShard.set(senderRow, AccountShard.FIELD_TRANSFER_COUNT,
                senderShard.get(senderRow, AccountShard.FIELD_TRANSFER_COUNT) + 1);
        AccountShard receiverShard = shards[scratch.receiverPartition[i]];
        int receiverRow = scratch.receiverRowHint[i] >= 0 ? scratch.receiverRowHint[i]
                : receiverShard.findOrInsert(receiver);
        // Cannot overflow (see ISSUER_BALANCE_MIN); addExact turns a broken invariant into a loud failure.
        receiverShard.set(receiverRow, AccountShard.FIELD_BALANCE,
                Math.addExact(receiverShard.get(receiverRow, AccountShard.FIELD_BALANCE), amount));
        receiverShard.set(receiverRow, AccountShard.FIELD_TRANSFER_COUNT,
                receiverShard.get(receiverRow, AccountShard.FIELD_TRANSFER_COUNT) + 1);
        index.add(position, batch.id, i * TransferBatch.ID_SIZE, batch.timestamp[i]);
        tips.add(position);
        for (int k = 0; k < batch.parentCount[i]; k++) {
            tips.remove(scratch.parentPositions[k]);
        }
        batch.position[i] = position;
        nextPosition = positionLong + 1;
    }

    // ---- reads: any thread ----

    public long nextPosition() {
        return nextPosition;
    }

    /** Position of the id at {@code id[offset..offset+32)}; -1 when unknown. */
    public long positionOf(byte[] id, int offset) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            int position = index.find(id, offset);
            if (lock.validate(stamp)) {
                return position;
            }
        }
        stamp = lock.readLock();
        try {
            return index.find(id, offset);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Fills {@code out}; false when the account was never used. */
    public boolean account(long accountId, AccountState out) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            boolean found = readAccount(accountId, out);
            if (lock.validate(stamp)) {
                return found;
            }
        }
        stamp = lock.readLock();
        try {
            return readAccount(accountId, out);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Ids of up to {@code limit} tips, newest first, 32 bytes each into {@code out}; returns the count. */
    public int tips(int limit, byte[] out) {
        check(limit >= 0 && (long) limit * TransferBatch.ID_SIZE <= out.length, "tips limit", limit);
        int[] positions = new int[limit];
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            int count = readTips(limit, positions, out);
            if (lock.validate(stamp)) {
                return count;
            }
        }
        stamp = lock.readLock();
        try {
            return readTips(limit, positions, out);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Number of tips (transfers no transfer references yet). */
    public long tipCount() {
        long stamp = lock.readLock();
        try {
            return tips.size();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    public long accountCount() {
        long count = 0;
        for (AccountShard shard : shards) {
            count += shard.rowCount();
        }
        return count;
    }

    /** Sum of all balances (modulo 2^64, exact since each balance is in range); must always be 0. */
    public long balanceSum() {
        long stamp = lock.readLock();
        try {
            long sum = 0;
            for (AccountShard shard : shards) {
                sum += shard.balanceSum();
            }
            return sum;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Visits every account (tests, audits); holds the read lock throughout. */
    public void forEachAccount(AccountVisitor visitor) {
        long stamp = lock.readLock();
        try {
            for (AccountShard shard : shards) {
                shard.forEach(visitor::visit);
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @FunctionalInterface
    public interface AccountVisitor {
        void visit(long accountId, long balance, long seq, long transferCount);
    }

    private boolean readAccount(long accountId, AccountState out) {
        AccountShard shard = shardOf(accountId);
        int row = shard.find(accountId);
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

    private int readTips(int limit, int[] positions, byte[] out) {
        int count = tips.newest((int) Math.min(nextPosition, IdIndex.POSITION_COUNT_MAX), limit, positions);
        for (int k = 0; k < count; k++) {
            if (!index.copyId(positions[k], out, k * TransferBatch.ID_SIZE)) {
                return 0;
            }
        }
        return count;
    }

    private long accountField(long accountId, int field) {
        AccountShard shard = shardOf(accountId);
        return shard.get(shard.find(accountId), field);
    }

    private AccountShard shardOf(long accountId) {
        return shards[partitionOf(accountId)];
    }

    private int partitionOf(long accountId) {
        int partition = partitionOfAccount.applyAsInt(accountId);
        if (partition < 0 || partition >= PARTITION_COUNT) {
            throw new IllegalStateException("partition function gave " + partition + " for account " + accountId
                    + ", expected 0.." + (PARTITION_COUNT - 1));
        }
        return partition;
    }

    /** Murmur3's 64-bit finalizer: spreads account ids and id prefixes over a table. */
    static long mix64(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    static int mix(long key) {
        return (int) mix64(key);
    }

    /** Always-on assertion: a broken invariant is a programmer error and fails loudly with its state. */
    static void check(boolean condition, String what, long value) {
        if (!condition) {
            throw new IllegalStateException("kernel invariant broken: " + what + " = " + value);
        }
    }

    /** Scratch of the writer: per item of the batch from {@link #prepare}, and for the item being validated. */
    private static final class StatefulScratch {
        final int[] senderPartition = new int[TransferBatch.ITEM_COUNT_MAX];
        final int[] receiverPartition = new int[TransferBatch.ITEM_COUNT_MAX];
        final int[] senderRowHint = new int[TransferBatch.ITEM_COUNT_MAX];
        final int[] receiverRowHint = new int[TransferBatch.ITEM_COUNT_MAX];
        /** Parent positions found by the checks, reused by apply. */
        final int[] parentPositions = new int[TransferBatch.PARENT_COUNT_MAX];
        /** The sender's row as the checks found it; -1 when the account is new. */
        int senderRow;
    }
}
