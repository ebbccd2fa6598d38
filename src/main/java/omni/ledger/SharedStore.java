package omni.ledger;

import java.util.List;

import omni.kernel.TransferBatch;

/**
 * A {@link Store} that several cluster members share (PostgreSQL): the fenced group commit and the ownership
 * tables of docs/cluster.md. Ownership lives here, not in Hazelcast, because only the database's transactions
 * can prove, in the same transaction as a commit's rows, that its member still holds what it commits for.
 */
public interface SharedStore extends Store {
    /**
     * Runs {@code turn} in one transaction that holds the cluster's head lock, and commits it: no other member
     * commits, claims or releases anything meanwhile. Everything the turn did is rolled back if it throws.
     */
    void fencedTurn(String memberId, FencedTurn turn) throws StoreException;

    /** What a member does while it holds the head lock. */
    @FunctionalInterface
    interface FencedTurn {
        void run(Turn turn) throws StoreException;
    }

    /** The operations of one fenced turn; valid only during {@link FencedTurn#run}. */
    interface Turn {
        /** The highest committed position, cluster-wide (no member can add one while the turn runs). */
        long lastPosition() throws StoreException;

        /**
         * Claims {@code partitions[0..count)} for this member where the partition is unowned, released, already
         * this member's, or held by a member whose lease lapsed on the database's clock; each claimed partition's
         * epoch goes up by one. Writes the new epoch into {@code epochsOut[i]}, or -1 where the claim is refused.
         */
        void claim(int[] partitions, int count, long[] epochsOut) throws StoreException;

        /** Gives up {@code partitions[0..count)} (those this member holds) so that another member may claim them. */
        void release(int[] partitions, int count) throws StoreException;

        /** Whether this member still holds every {@code partitions[i]} at {@code epochs[i]}: the commit's fence. */
        boolean holds(int[] partitions, long[] epochs, int count) throws StoreException;

        /** As {@link Store#append}, in this turn's transaction (durable once the turn commits). */
        void append(TransferBatch[] batches, int batchCount) throws StoreException;
    }

    /** Registers (or re-registers) this member with a lease of {@code leaseMs} from now on the database's clock. */
    void registerMember(String memberId, String apiUrl, long leaseMs) throws StoreException;

    /** Extends this member's lease; false if its row is gone (it must register again). */
    boolean renewMember(String memberId, long leaseMs) throws StoreException;

    /**
     * Ends the fenced turns that other members have held open longer than a turn may, while their lease lapsed: a
     * member stopped in the middle of a statement PostgreSQL cannot cancel, holding the head row's lock (their
     * sessions are terminated, which rolls the turns back); returns how many it ended. Members connect as one role,
     * which may end its own sessions.
     */
    int endStalledTurns(String memberId) throws StoreException;

    /**
     * Takes or keeps the singleton lease {@code name} ("sealer", "publisher") for {@code leaseMs}: kept if this
     * member holds it, taken if it is free or lapsed (its epoch then goes up by one). Returns the epoch held, or
     * -1 when another member holds it.
     */
    long acquireLease(String name, String memberId, long leaseMs) throws StoreException;

    /**
     * The public key the cluster signs checkpoints with: {@code publicKey} if no member recorded one yet (it is
     * recorded now), else the one recorded. A member whose key differs must not seal.
     */
    byte[] adoptPublicKey(byte[] publicKey) throws StoreException;

    /** The owner table with each owner's API URL, in partition order. */
    List<PartitionOwner> partitionOwners() throws StoreException;

    /** Every registered member with its lease, oldest first. */
    List<MemberLease> members() throws StoreException;

    /** @param member null while released or never claimed; apiUrl null then too */
    record PartitionOwner(int partition, String member, long epoch, String apiUrl) {
    }

    /** @param leaseAgeMs milliseconds since the lease was last renewed (by the database's clock) */
    record MemberLease(String id, String apiUrl, long leaseAgeMs, boolean leaseLapsed) {
    }
}
