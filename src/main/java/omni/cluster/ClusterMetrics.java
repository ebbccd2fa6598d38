package omni.cluster;

import java.util.Objects;
import java.util.function.IntSupplier;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import omni.kernel.Kernel;

/**
 * {@code omni_cluster_members} and {@code omni_partitions_owned}. A single node is a cluster of one member that
 * owns all {@value Kernel.PARTITION_COUNT} partitions; the dashboard reads the same two gauges
 * whether or not a cluster is configured.
 *
 * <p>The registry keeps the first registration of a name, so the gauges read through the sources held here and
 * the last {@code register} call says where they read from.
 */
public final class ClusterMetrics {
    private static volatile IntSupplier memberCount = () -> 1;
    private static volatile IntSupplier partitionsOwned = () -> Kernel.PARTITION_COUNT;

    private ClusterMetrics() {
    }

    /** Registers the gauges of a single member: one member owning every partition. */
    public static void registerSingleMember() {
        register(() -> 1, () -> Kernel.PARTITION_COUNT);
    }

    /**
     * Registers the gauges of a cluster member: the members {@code membership} sees (refused ones left out), and
     * the partitions this member owns as {@code partitionsOwned} says (the fenced owner table, not Hazelcast's).
     */
    public static void registerMembership(Membership membership, IntSupplier partitionsOwned) {
        Objects.requireNonNull(membership, "membership");
        register(() -> membership.members().size(), partitionsOwned);
    }

    private static void register(IntSupplier members, IntSupplier owned) {
        memberCount = Objects.requireNonNull(members, "members");
        partitionsOwned = Objects.requireNonNull(owned, "partitionsOwned");
        MeterRegistry registry = Metrics.globalRegistry();
        registry.getOrCreate(Gauge.builder("omni_cluster_members", () -> memberCount.getAsInt())
                .description("Members of the cluster this node sees, itself included"));
        registry.getOrCreate(Gauge.builder("omni_partitions_owned", () -> partitionsOwned.getAsInt())
                .description("Account partitions this member owns, of " + Kernel.PARTITION_COUNT));
    }
}
