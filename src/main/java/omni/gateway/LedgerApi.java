package omni.gateway;

import omni.ledger.Ledger;

/** Mounts every service that answers from a {@link Ledger} under /api/v1, and readiness that follows it. */
public final class LedgerApi {
    private LedgerApi() {
    }

    /**
     * The transfer, account, tip, checkpoint, proof, node and cluster API of {@code ledger}; /health/ready
     * follows the ledger (check "storage": not ready with the reason while storage is down or recovering).
     */
    public static Gateway.Builder mount(Gateway.Builder gateway, Ledger ledger) {
        return gateway.api(new TransactionService(ledger), new AccountService(ledger), new TipService(ledger),
                        new CheckpointService(ledger), new ProofService(ledger), new NodeService(ledger),
                        new ClusterService(ledger))
                .readiness("storage", () -> {
                    String reason = ledger.notReadyReason();
                    return reason == null ? ReadinessCheck.Readiness.ok() : ReadinessCheck.Readiness.notReady(reason);
                });
    }
}
