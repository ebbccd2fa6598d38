package omni.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.kernel.TransferBatch;
import omni.ledger.Engine;
import java.util.HexFormat;

/**
 * {@code GET /tips?limit=}: transfers no transfer references yet, newest first, for clients to use as
 * parents. Tips come from the kernel, so the newest may be accepted transfers whose commit is in flight;
 * a client that uses one as a parent is validated against the same state.
 */
public final class TipService implements HttpService {
    /** Clients need 1 to 8 parents; a few more let concurrent clients spread over different tips. */
    public static final int TIPS_LIMIT_DEFAULT = 16;
    /** 1,000 ids are 66 KB of JSON: enough to pick from, small enough for one answer. */
    public static final int TIPS_LIMIT_MAX = 1_000;

    private final Engine engine;

    public TipService(Engine engine) {
        this.engine = engine;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/tips", this::tips);
    }

    private void tips(ServerRequest req, ServerResponse res) {
        int limit = (int) TransactionService.queryLong(req, "limit", TIPS_LIMIT_DEFAULT, 1, TIPS_LIMIT_MAX);
        byte[] ids = new byte[limit * TransferBatch.ID_SIZE];
        int count = TransactionService.kernel(engine).tips(limit, ids);
        StringBuilder json = new StringBuilder(16 + count * 67).append("{\"tips\":[");
        for (int i = 0; i < count; i++) {
            json.append(i == 0 ? "\"" : ",\"")
                    .append(HexFormat.of().formatHex(ids, i * TransferBatch.ID_SIZE, i * TransferBatch.ID_SIZE + TransferBatch.ID_SIZE)).append('"');
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json.append("]}").toString());
    }
}
