package omni.gateway;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.Ledger;

/** {@code GET /api/v1/cluster}: the members, the owner and epoch of every partition, and the ring. */
public final class ClusterService implements HttpService {
    private final Ledger ledger;

    public ClusterService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/cluster", this::cluster);
    }

    private void cluster(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, LedgerJson.cluster(ledger.cluster()));
    }
}
