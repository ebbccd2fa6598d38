package omni.ledger;

import java.util.BitSet;
import java.util.function.Supplier;

/**
 * What makes an engine a cluster member (docs/cluster.md): the shared store whose head lock its commits take,
 * its member id, and the partitions membership currently assigns to it (who should own them; the store's owner
 * table says who does).
 *
 * @param assigned called on the committer at every turn; must be cheap and must not block
 */
public record ClusterRole(SharedStore store, String memberId, Supplier<BitSet> assigned) {
}
