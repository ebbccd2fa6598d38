package omni.cluster;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import omni.kernel.Kernel;

/**
 * An owner table from a fixed assignment of partitions to members, as one member sees it. A test may stage a new
 * assignment that, like a change in the real table, is seen only after the next {@link #refresh}.
 */
final class FixedOwners implements Owners {
    private final List<String> apiUrls;
    private final int localMember;
    private volatile int[] memberOfPartition;
    private volatile int[] staged;
    final AtomicInteger refreshCount = new AtomicInteger();

    /**
     * @param memberOfPartition the member index owning each partition
     * @param apiUrls           each member's base URL, by index
     * @param localMember       the index of the member this table belongs to
     */
    FixedOwners(int[] memberOfPartition, List<String> apiUrls, int localMember) {
        if (memberOfPartition.length != Kernel.PARTITION_COUNT) {
            throw new IllegalArgumentException("an assignment has " + Kernel.PARTITION_COUNT + " partitions");
        }
        this.memberOfPartition = memberOfPartition.clone();
        this.apiUrls = List.copyOf(apiUrls);
        this.localMember = localMember;
    }

    /** The assignment a later refresh reads. */
    void stage(int[] next) {
        staged = next.clone();
    }

    @Override
    public Owner ownerOf(int partition) {
        int member = memberOfPartition[partition];
        return new Owner("member-" + member, apiUrls.get(member), member == localMember, 1);
    }

    @Override
    public void refresh() {
        refreshCount.incrementAndGet();
        int[] next = staged;
        if (next != null) {
            memberOfPartition = next;
        }
    }
}
