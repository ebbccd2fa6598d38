package omni.gateway;

import java.util.List;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.Ledger;
import omni.proof.Checkpoint;

/**
 * {@code GET /checkpoints/latest}, {@code GET /checkpoints/{seq}} and {@code GET /checkpoints?from=&to=}
 * (paths relative to /api/v1): checkpoints as docs/proofs.md writes them.
 */
public final class CheckpointService implements HttpService {
    /**
     * Checkpoints in one range answer: 1000 checkpoints are about 450 KB of JSON and one storage query;
     * an hour of one-second checkpoints takes four pages.
     */
    public static final int RANGE_SIZE_MAX = 1000;

    private final Ledger ledger;

    public CheckpointService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/checkpoints/latest", this::latest)
                .get("/checkpoints/{seq}", this::one)
                .get("/checkpoints", this::range);
    }

    private void latest(ServerRequest req, ServerResponse res) {
        Checkpoint latest = ledger.latestCheckpoint();
        if (latest == null) {
            throw new ApiException(404, "No checkpoint", "no checkpoint has been sealed yet");
        }
        sendJson(res, latest.toJson());
    }

    private void one(ServerRequest req, ServerResponse res) {
        long seq = QueryParams.seq(req.path().pathParameters().get("seq"), "seq");
        Checkpoint checkpoint = ledger.checkpoint(seq);
        if (checkpoint == null) {
            throw new ApiException(404, "No checkpoint", "no checkpoint with seq " + seq);
        }
        sendJson(res, checkpoint.toJson());
    }

    /** from and to are inclusive seqs; without them, the newest {@link #RANGE_SIZE_MAX} checkpoints. */
    private void range(ServerRequest req, ServerResponse res) {
        var fromParam = req.query().first("from");
        var toParam = req.query().first("to");
        long from;
        long to;
        if (fromParam.isPresent()) {
            from = QueryParams.seq(fromParam.get(), "from");
            to = toParam.isPresent() ? QueryParams.seq(toParam.get(), "to") : from + RANGE_SIZE_MAX - 1;
        } else {
            Checkpoint latest = ledger.latestCheckpoint();
            to = toParam.isPresent() ? QueryParams.seq(toParam.get(), "to") : latest == null ? 0 : latest.seq();
            from = Math.max(1, to - RANGE_SIZE_MAX + 1);
        }
        if (to < from - 1 || to - from + 1 > RANGE_SIZE_MAX) {
            throw new ApiException(400, "Bad checkpoint range", "checkpoint range from=" + from + " to=" + to
                    + " must hold 0 to " + RANGE_SIZE_MAX + " seqs");
        }
        List<Checkpoint> checkpoints = ledger.checkpoints(from, to);
        sendJson(res, LedgerJson.checkpoints(checkpoints));
    }

    static void sendJson(ServerResponse res, String json) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(json);
    }
}
