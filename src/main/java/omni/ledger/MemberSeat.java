package omni.ledger;

import java.util.BitSet;
import java.util.List;
import java.util.logging.Logger;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;

import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferBatch;

/**
 * A cluster member's seat at the shared store (docs/cluster.md): which partitions it holds and at which epoch,
 * following what membership assigns, and the fence of each group commit. A member's kernel keeps every
 * partition's accounts, applying what other members commit, so a partition it claims needs no loading: once the
 * turn has caught up to the head, the kernel's accounts of that partition are exact, and its senders' seqs
 * continue. Only validation is limited to the partitions held. Committer thread only, inside fenced turns.
 */
final class MemberSeat {
    private static final Logger LOG = Logger.getLogger(MemberSeat.class.getName());
    /**
     * A claim refused because the current owner's lease has not lapsed is tried again after this long, not at
     * every turn: a fraction of the lease, so a lapsed partition is taken soon after, and at most a few cheap
     * statements a second while it is not.
     */
    static final long CLAIM_RETRY_MS = 200;

    private final ClusterRole role;
    /** epochs[p] > 0: held at that epoch; 0: not held. */
    private final long[] epochs = new long[Kernel.PARTITION_COUNT];
    private final int[] partitionScratch = new int[Kernel.PARTITION_COUNT];
    private final long[] epochScratch = new long[Kernel.PARTITION_COUNT];
    private final BitSet senderPartitions = new BitSet(Kernel.PARTITION_COUNT);
    private final Counter moves = Metrics.globalRegistry().getOrCreate(Counter.builder("omni_partition_moves")
            .description("Partitions this member claimed or released"));
    private final Counter fencedCommits = Metrics.globalRegistry().getOrCreate(Counter.builder("omni_fenced_commits")
            .description("Group commits refused because another member had taken a partition over"));
    private volatile int heldCount;
    private long nextClaimMs;

    MemberSeat(ClusterRole role) {
        this.role = role;
    }

    String memberId() {
        return role.memberId();
    }

    SharedStore store() {
        return role.store();
    }

    int heldCount() {
        return heldCount;
    }

    /** Partitions this member claimed or released since it started ({@code omni_partition_moves_total}). */
    long moves() {
        return (long) moves.count();
    }

    /** Group commits refused because another member had taken a partition over ({@code omni_fenced_commits_total}). */
    long fencedCommits() {
        return (long) fencedCommits.count();
    }

    /**
     * After a rebuild (the turn that failed may have rolled back claims and releases): hold exactly what the
     * owner table says this member holds.
     */
    void reload() throws StoreException {
        java.util.Arrays.fill(epochs, 0);
        List<SharedStore.PartitionOwner> owners = role.store().partitionOwners();
        for (SharedStore.PartitionOwner owner : owners) {
            if (role.memberId().equals(owner.member())) {
                epochs[owner.partition()] = owner.epoch();
            }
        }
        nextClaimMs = 0;
        countHeld();
    }

    /** Whether membership assigns something other than what this member holds (an idle turn is due then). */
    boolean assignmentDiffers() {
        BitSet assigned = role.assigned().get();
        boolean claimDue = System.currentTimeMillis() >= nextClaimMs;
        for (int p = 0; p < epochs.length; p++) {
            boolean held = epochs[p] > 0;
            if (held && !assigned.get(p) || claimDue && !held && assigned.get(p)) {
                return true;
            }
        }
        return false;
    }

    /** In a fenced turn: releases what is held but no longer assigned, claims what is assigned but not held. */
    void follow(SharedStore.Turn turn) throws StoreException {
        BitSet assigned = role.assigned().get();
        int releaseCount = 0;
        for (int p = 0; p < epochs.length; p++) {
            if (epochs[p] > 0 && !assigned.get(p)) {
                partitionScratch[releaseCount++] = p;
            }
        }
        if (releaseCount > 0) {
            turn.release(partitionScratch, releaseCount);
            for (int i = 0; i < releaseCount; i++) {
                epochs[partitionScratch[i]] = 0;
            }
            moves.increment(releaseCount);
            int released = releaseCount;
            LOG.info(() -> "released " + released + " partitions now assigned to other members");
        }
        long nowMs = System.currentTimeMillis();
        if (nowMs < nextClaimMs) {
            countHeld();
            return;
        }
        int claimCount = 0;
        for (int p = 0; p < epochs.length; p++) {
            if (epochs[p] == 0 && assigned.get(p)) {
                partitionScratch[claimCount++] = p;
            }
        }
        if (claimCount > 0) {
            turn.claim(partitionScratch, claimCount, epochScratch);
            int claimed = 0;
            for (int i = 0; i < claimCount; i++) {
                if (epochScratch[i] > 0) {
                    epochs[partitionScratch[i]] = epochScratch[i];
                    claimed++;
                }
            }
            moves.increment(claimed);
            if (claimed < claimCount) {
                nextClaimMs = nowMs + CLAIM_RETRY_MS;
            }
            if (claimed > 0) {
                int c = claimed;
                int waiting = claimCount - claimed;
                LOG.info(() -> "claimed " + c + " partitions" + (waiting > 0 ? "; " + waiting
                        + " more wait for their owner to release them or for its lease to lapse" : ""));
            }
        }
        countHeld();
    }

    /** In a fenced turn, when the member stops: releases everything it holds. */
    void releaseAll(SharedStore.Turn turn) throws StoreException {
        int count = 0;
        for (int p = 0; p < epochs.length; p++) {
            if (epochs[p] > 0) {
                partitionScratch[count++] = p;
            }
        }
        turn.release(partitionScratch, count);
        java.util.Arrays.fill(epochs, 0);
        moves.increment(count);
        countHeld();
    }

    /**
     * Marks the first item whose sender's partition this member does not hold, and every item after it,
     * {@link Kernel#NOT_HELD}: a later item may depend on it (a parent, a credit), so none is decided without it;
     * the forwarding member routes them all again (docs/cluster.md, "The internal route").
     */
    void markNotHeld(TransferBatch batch, Kernel kernel) {
        byte accepted = Result.ACCEPTED.code();
        boolean notHeld = false;
        for (int i = 0; i < batch.count; i++) {
            if (batch.result[i] == accepted) {
                notHeld |= epochs[kernel.partitionOf(batch.sender[i])] == 0;
                if (notHeld) {
                    batch.result[i] = Kernel.NOT_HELD;
                    batch.position[i] = -1;
                }
            }
        }
    }

    /**
     * The fence, in the turn that appends {@code batches}: this member must still hold, at the epochs it knows,
     * every partition of an accepted item's sender. Throws {@link FencedOutException} if it does not.
     */
    void checkFence(SharedStore.Turn turn, TransferBatch[] batches, int batchCount, Kernel kernel)
            throws StoreException {
        senderPartitions.clear();
        byte accepted = Result.ACCEPTED.code();
        for (int b = 0; b < batchCount; b++) {
            TransferBatch batch = batches[b];
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] == accepted) {
                    senderPartitions.set(kernel.partitionOf(batch.sender[i]));
                }
            }
        }
        int count = 0;
        for (int p = senderPartitions.nextSetBit(0); p >= 0; p = senderPartitions.nextSetBit(p + 1)) {
            partitionScratch[count] = p;
            epochScratch[count++] = epochs[p];
        }
        if (!turn.holds(partitionScratch, epochScratch, count)) {
            fencedCommits.increment();
            throw new FencedOutException("member " + role.memberId() + " no longer holds every partition of its "
                    + "group commit: another member took over after this member's lease lapsed; nothing of the "
                    + "group was committed");
        }
    }

    private void countHeld() {
        int n = 0;
        for (long epoch : epochs) {
            if (epoch > 0) {
                n++;
            }
        }
        heldCount = n;
    }

    /** A group commit refused by the fence. */
    static final class FencedOutException extends RuntimeException {
        FencedOutException(String message) {
            super(message);
        }
    }
}
