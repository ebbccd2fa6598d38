package omni.ledger;

/**
 * The node answering: {@code nodeId} (host:port), OMNI's version, the ledger name, the public key (hex) its
 * checkpoints are signed with, and the storage, bus and cluster it uses.
 */
public record NodeView(String nodeId, String version, String ledger, String publicKey, ComponentInfo storage,
                       ComponentInfo bus, ComponentInfo cluster) {
}
