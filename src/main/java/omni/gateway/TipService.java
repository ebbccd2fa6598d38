package omni.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.Ledger;

/**
 * {@code GET /tips?limit=}: transfers no transfer references yet, newest first, for clients to use as
 * parents. The newest may be accepted transfers whose commit is in flight; a client that uses one as a parent
 * is validated against the same state.
 */
public final class TipService implements HttpService {
    /** Clients need 1 to 8 parents; a few more let concurrent clients spread over different tips. */
    public static final int TIPS_LIMIT_DEFAULT = 16;
    /** 1,000 ids are 66 KB of JSON: enough to pick from, small enough for one answer. */
    public static final int TIPS_LIMIT_MAX = 1_000;

    private final Ledger ledger;

    public TipService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/tips", this::tips);
    }

    private void tips(ServerRequest req, ServerResponse res) {
        int limit = (int) QueryParams.queryLong(req, "limit", TIPS_LIMIT_DEFAULT, 1, TIPS_LIMIT_MAX);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(LedgerJson.tips(ledger.tips(limit)));
    }
}
