package omni.cluster;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import omni.kernel.Kernel;

/**
 * {@code omni_cluster_members} and {@code omni_partitions_owned}. A single node is a cluster of one member that
 * owns all {@value Kernel.PARTITION_COUNT} partitions; the dashboard reads the same two gauges
 * whether or not a cluster is configured.
 */
public final class ClusterMetrics {
    private ClusterMetrics() {
    }

    /** Registers the gauges of a single member (idempotent: the registry keeps the first registration). */
    public static void registerSingleMember() {
        MeterRegistry registry = Metrics.globalRegistry();
        registry.getOrCreate(Gauge.builder("omni_cluster_members", () -> 1)
                .description("Members of the cluster this node sees, itself included"));
        registry.getOrCreate(Gauge.builder("omni_partitions_owned", () -> Kernel.PARTITION_COUNT)
                .description("Account partitions this member owns, of " + Kernel.PARTITION_COUNT));
    }
}
