package omni.cluster;

/**
 * Who holds each partition now, as PostgreSQL's owner table says: the member that may commit a partition's
 * senders (docs/cluster.md). Hazelcast only says who should; this is who does. Read from a cache refreshed a
 * few times a second and on demand, so an answer may be stale: an owner that no longer holds a partition
 * answers its items as not held, and the caller refreshes and routes them again.
 */
public interface Owners {
    /** The owner of {@code partition} as last read, or null while it is unclaimed (moving): retry shortly. */
    Owner ownerOf(int partition);

    /** Rereads the owner table now (after an owner answered that it does not hold a partition). */
    void refresh();

    /**
     * @param memberId the member's id (its Hazelcast member UUID)
     * @param apiUrl   the member's base URL for forwarding, e.g. {@code http://10.0.0.2:18000}
     * @param local    whether it is this member
     * @param epoch    the partition's ownership epoch (1 at the first claim)
     */
    record Owner(String memberId, String apiUrl, boolean local, long epoch) {
    }
}
