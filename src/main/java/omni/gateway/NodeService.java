package omni.gateway;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.Ledger;

/** {@code GET /api/v1/node}: identity, version, ledger and what storage, bus and cluster this node uses. */
public final class NodeService implements HttpService {
    private final Ledger ledger;

    public NodeService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/node", this::node);
    }

    private void node(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, LedgerJson.node(ledger.node()));
    }
}
