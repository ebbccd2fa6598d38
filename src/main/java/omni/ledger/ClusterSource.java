package omni.ledger;

import java.util.function.Supplier;

import omni.kernel.Kernel;

/** What a node says of its cluster: the component line of {@code GET /api/v1/node} and {@code GET /api/v1/cluster}. */
public interface ClusterSource {
    ComponentInfo info();

    ClusterView view();

    /** A node alone: a cluster of one member that needs no discovery and owns every partition unclaimed. */
    static ClusterSource single(String clusterName, Supplier<String> nodeId) {
        return new ClusterSource() {
            @Override
            public ComponentInfo info() {
                return new ComponentInfo("single", "this node", true, "single member");
            }

            @Override
            public ClusterView view() {
                String id = nodeId.get();
                return ClusterView.singleMember(clusterName, id, id, Kernel.PARTITION_COUNT);
            }
        };
    }
}
