package omni.cluster;

import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import omni.ledger.SharedStore;
import omni.ledger.StoreException;

/**
 * A member's leases on the shared store (docs/cluster.md): its own, renewed every {@link #RENEW_INTERVAL_MS} on
 * the database's clock (another member may take its partitions once it lapsed), and the sealer lease, under which
 * this member runs the cluster's one checkpoint sealer while it holds it. Also refreshes the routing table of
 * {@link StoredOwners} and ends the stalled turns of lapsed members ({@link SharedStore#endStalledTurns}) at the
 * same cadence.
 */
public final class MemberLeases implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MemberLeases.class.getName());
    /**
     * A member's lease: a paused or cut-off member's partitions wait this long before another member may claim
     * them, so this plus membership's failure detection bounds how long a dead member's partitions are
     * unavailable. Three renewals fit in it, so one slow renewal does not lose it.
     */
    public static final long LEASE_MS = 3_000;
    static final long RENEW_INTERVAL_MS = LEASE_MS / 3;
    /** The sealer's lease: held while renewed, taken over once lapsed. */
    static final String SEALER = "sealer";

    /** The sealer of this member while it holds the lease: started when taken, closed when lost. */
    public interface Sealer extends AutoCloseable {
        @Override
        void close();
    }

    private final SharedStore store;
    private final String memberId;
    private final String apiUrl;
    private final StoredOwners owners;
    private final Supplier<Sealer> sealers;
    private final Thread thread;
    private volatile boolean running = true;
    private Sealer sealer;

    /**
     * @param sealers starts this member's checkpoint sealer (called when the lease is taken; may throw
     *                StoreException wrapped unchecked: the lease is then tried again at the next renewal)
     */
    public MemberLeases(SharedStore store, String memberId, String apiUrl, StoredOwners owners,
                        Supplier<Sealer> sealers) {
        this.store = store;
        this.memberId = memberId;
        this.apiUrl = apiUrl;
        this.owners = owners;
        this.sealers = sealers;
        this.thread = Thread.ofPlatform().daemon().name("omni-member-leases").unstarted(this::run);
    }

    /** Registers the member (its lease starts now) and starts renewing; throws if the store does not answer. */
    public void start() throws StoreException {
        store.registerMember(memberId, apiUrl, LEASE_MS);
        owners.refresh();
        thread.start();
    }

    public boolean holdsSealer() {
        return sealer != null;
    }

    private void run() {
        while (running) {
            try {
                if (!store.renewMember(memberId, LEASE_MS)) {
                    LOG.warning("member " + memberId + " had no lease row (removed?); registering again");
                    store.registerMember(memberId, apiUrl, LEASE_MS);
                }
                followSealerLease(store.acquireLease(SEALER, memberId, LEASE_MS) > 0);
                owners.refresh();
            } catch (StoreException | RuntimeException e) {
                LOG.log(Level.WARNING, "lease renewal of member " + memberId + " failed; retrying", e);
                followSealerLease(false);
            }
            endStalledTurns();
            try {
                Thread.sleep(RENEW_INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A stalled member's turn holding the head lock keeps every member from committing: end it (once it lapsed). */
    private void endStalledTurns() {
        try {
            int ended = store.endStalledTurns(memberId);
            if (ended > 0) {
                LOG.warning("ended " + ended + " turn(s) held open by members whose lease lapsed (stopped inside a"
                        + " statement under the head lock); their uncommitted groups roll back");
            }
        } catch (StoreException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not end the stalled turns of lapsed members; retrying", e);
        }
    }

    private void followSealerLease(boolean held) {
        if (held && sealer == null && running) {
            LOG.info("member " + memberId + " took the sealer lease: sealing the cluster's checkpoints");
            sealer = sealers.get();
        } else if (!held && sealer != null) {
            LOG.warning("member " + memberId + " lost the sealer lease: no longer sealing");
            sealer.close();
            sealer = null;
        }
    }

    /** Stops renewing and the sealer; the lease lapses by itself (a restarted member registers anew). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(RENEW_INTERVAL_MS * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sealer != null) {
            sealer.close();
            sealer = null;
        }
    }
}
