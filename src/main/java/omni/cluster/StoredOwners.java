package omni.cluster;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

import omni.kernel.Kernel;
import omni.ledger.SharedStore;
import omni.ledger.StoreException;

/**
 * {@link Owners} read from the shared store's owner table: refreshed by the member's lease thread (see
 * {@link MemberLeases}) and on demand. A failed read keeps the last table: it is a routing hint, and the owner's
 * fence decides.
 */
public final class StoredOwners implements Owners {
    private static final Logger LOG = Logger.getLogger(StoredOwners.class.getName());

    private final SharedStore store;
    private final String localMemberId;
    private final AtomicReference<Owner[]> table = new AtomicReference<>(new Owner[Kernel.PARTITION_COUNT]);

    public StoredOwners(SharedStore store, String localMemberId) {
        this.store = store;
        this.localMemberId = localMemberId;
    }

    @Override
    public Owner ownerOf(int partition) {
        return table.get()[partition];
    }

    @Override
    public void refresh() {
        try {
            List<SharedStore.PartitionOwner> rows = store.partitionOwners();
            Owner[] next = new Owner[Kernel.PARTITION_COUNT];
            for (SharedStore.PartitionOwner row : rows) {
                if (row.member() != null && row.apiUrl() != null) {
                    next[row.partition()] = new Owner(row.member(), row.apiUrl(), row.member().equals(localMemberId),
                            row.epoch());
                }
            }
            table.set(next);
        } catch (StoreException e) {
            LOG.log(Level.FINE, "partition owners not refreshed; keeping the last table", e);
        }
    }
}
