package omni.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import omni.kernel.Kernel;
import omni.ledger.ClusterSource;
import omni.ledger.ClusterView;
import omni.ledger.ComponentInfo;
import omni.ledger.SharedStore;
import omni.ledger.StoreException;

/**
 * This process as a member of an OMNI cluster (docs/cluster.md): its Hazelcast membership (who should own each
 * partition), its leases on the shared store and the routing table read from it (who does), and what it says of
 * the cluster on {@code GET /api/v1/node} and {@code GET /api/v1/cluster}.
 * <p>
 * A member takes no partition before it has replayed storage and registered its lease ({@link #joined}): until
 * then it is a Hazelcast lite member and its assignment is empty.
 */
public final class ClusterMember implements ClusterSource, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterMember.class.getName());
    private static final BitSet NONE = new BitSet();

    private final String clusterName;
    private final SharedStore store;
    private final Membership membership;
    private final StoredOwners owners;
    private final String apiUrl;
    private MemberLeases leases;
    private volatile boolean joined;

    private ClusterMember(String clusterName, String apiUrl, SharedStore store, Membership membership) {
        this.clusterName = clusterName;
        this.apiUrl = apiUrl;
        this.store = store;
        this.membership = membership;
        this.owners = new StoredOwners(store, membership.localMemberId());
    }

    /** Joins the cluster as a lite member (no partitions yet); throws with the reason if it is refused. */
    public static ClusterMember start(MembershipConfig config, SharedStore store) {
        return new ClusterMember(config.clusterName(), config.apiUrl(), store, Membership.start(config));
    }

    public String memberId() {
        return membership.localMemberId();
    }

    public Owners owners() {
        return owners;
    }

    /** What membership assigns this member: nothing until it {@link #joined}; cheap, for the committer's turns. */
    public Supplier<BitSet> assignment() {
        return () -> joined ? membership.assignedPartitions() : NONE;
    }

    /**
     * The member has replayed storage: it registers its lease, starts renewing it (and running the sealer while
     * it holds the sealer lease), and becomes a data member so that Hazelcast assigns it partitions.
     */
    public void joined(Supplier<MemberLeases.Sealer> sealers) throws StoreException {
        leases = new MemberLeases(store, memberId(), apiUrl, owners, sealers);
        leases.start();
        joined = true;
        membership.promote();
        LOG.info("member " + memberId() + " caught up and joined: taking partitions");
    }

    /** Whether this member holds the sealer lease (it seals checkpoints and publishes to Redis). */
    public boolean holdsSealer() {
        MemberLeases l = leases;
        return l != null && l.holdsSealer();
    }

    /** {@code omni_cluster_members} from Hazelcast, {@code omni_partitions_owned} from what the engine holds. */
    public void registerMetrics(java.util.function.IntSupplier partitionsOwned) {
        ClusterMetrics.registerMembership(membership, partitionsOwned);
    }

    public int memberCount() {
        return membership.members().size();
    }

    @Override
    public ComponentInfo info() {
        int count = memberCount();
        return new ComponentInfo("hazelcast", clusterName, true, count + (count == 1 ? " member" : " members")
                + " (" + clusterName + ")", Map.of("memberId", memberId(), "sealer", holdsSealer()));
    }

    /**
     * Members as Hazelcast sees them, with their leases from the store; partitions as the owner table says; the
     * ring grouped by owner (members in the order they joined), so that the console draws each member's share as
     * one arc.
     */
    @Override
    public ClusterView view() {
        List<SharedStore.PartitionOwner> partitionRows;
        List<SharedStore.MemberLease> leaseRows;
        try {
            partitionRows = store.partitionOwners();
            leaseRows = store.members();
        } catch (StoreException e) {
            LOG.log(Level.FINE, "cluster view without the store", e);
            throw new omni.ledger.LedgerUnavailableException("the cluster's tables cannot be read: " + e.getMessage());
        }
        Map<String, Integer> owned = new HashMap<>();
        for (SharedStore.PartitionOwner row : partitionRows) {
            if (row.member() != null) {
                owned.merge(row.member(), 1, Integer::sum);
            }
        }
        Map<String, SharedStore.MemberLease> leaseById = new HashMap<>();
        for (SharedStore.MemberLease lease : leaseRows) {
            leaseById.put(lease.id(), lease);
        }
        List<ClusterView.Member> members = new ArrayList<>();
        List<String> order = new ArrayList<>();
        for (Membership.MemberInfo info : membership.members()) {
            SharedStore.MemberLease lease = leaseById.get(info.id());
            String state = info.lite() ? "joining" : lease != null && lease.leaseLapsed() ? "lease-lapsed"
                    : ClusterView.MEMBER_ACTIVE;
            members.add(new ClusterView.Member(info.id(), info.apiUrl(), state, owned.getOrDefault(info.id(), 0),
                    lease == null ? -1 : lease.leaseAgeMs()));
            order.add(info.id());
        }
        List<ClusterView.Partition> partitions = new ArrayList<>(Kernel.PARTITION_COUNT);
        List<Integer> ring = new ArrayList<>(Kernel.PARTITION_COUNT);
        for (SharedStore.PartitionOwner row : partitionRows) {
            partitions.add(new ClusterView.Partition(row.partition(), row.member(), row.epoch()));
            ring.add(row.partition());
        }
        ring.sort(Comparator.comparingInt((Integer p) -> {
            String member = partitionRows.get(p).member();
            int index = member == null ? -1 : order.indexOf(member);
            return index < 0 ? Integer.MAX_VALUE : index;
        }).thenComparingInt(p -> p));
        return new ClusterView(clusterName, members, partitions, ring);
    }

    /** This member's base URL for forwarding, as the other members reach it. */
    public String apiUrl() {
        return apiUrl;
    }

    /** Stops the leases (they lapse) and leaves the cluster. */
    @Override
    public void close() {
        if (leases != null) {
            leases.close();
        }
        membership.close();
    }
}
