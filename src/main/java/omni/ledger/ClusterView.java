package omni.ledger;

import java.util.ArrayList;
import java.util.List;

/**
 * The cluster as this node sees it: members, the owner and ownership epoch of every partition, and the ring
 * (partition ids in the order the console draws them).
 */
public record ClusterView(String name, List<Member> members, List<Partition> partitions, List<Integer> ring) {
    /** Hazelcast's member state names, lower case; a single node is always active. */
    public static final String MEMBER_ACTIVE = "active";
    /**
     * The epoch of a partition no member ever claimed: a single node owns every partition without a claim, and
     * a cluster's first claim of a partition is epoch 1 (docs/api.md, "The ledger seam").
     */
    public static final long EPOCH_UNCLAIMED = 0;

    public ClusterView {
        members = List.copyOf(members);
        partitions = List.copyOf(partitions);
        ring = List.copyOf(ring);
    }

    /**
     * @param leaseAgeMs how long ago the member last renewed its ownership lease; 0 for a single node, which
     *                   holds no lease
     */
    public record Member(String id, String address, String state, int partitionsOwned, long leaseAgeMs) {
    }

    public record Partition(int id, String owner, long epoch) {
    }

    /** One member owning all {@code partitionCount} partitions, unclaimed, ring in id order. */
    public static ClusterView singleMember(String name, String memberId, String address, int partitionCount) {
        List<Partition> partitions = new ArrayList<>(partitionCount);
        List<Integer> ring = new ArrayList<>(partitionCount);
        for (int id = 0; id < partitionCount; id++) {
            partitions.add(new Partition(id, memberId, EPOCH_UNCLAIMED));
            ring.add(id);
        }
        return new ClusterView(name, List.of(new Member(memberId, address, MEMBER_ACTIVE, partitionCount, 0)),
                partitions, ring);
    }
}
