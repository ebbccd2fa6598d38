package omni.gateway;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.proof.Checkpoint;
import omni.proof.CheckpointStore;
import omni.proof.StorageException;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /checkpoints/latest}, {@code GET /checkpoints/{seq}} and {@code GET /checkpoints?from=&to=}
 * (paths relative to /api/v1): checkpoints as SPEC section 7 writes them.
 */
public final class CheckpointService implements HttpService {
    /**
     * Checkpoints in one range answer: 1000 checkpoints are about 450 KB of JSON and one storage query;
     * an hour of one-second checkpoints takes four pages.
     */
    public static final int RANGE_SIZE_MAX = 1000;
    /** The storage probe retries every second (CONTRACT: outage handling), so one second is the useful wait. */
    static final int STORAGE_RETRY_AFTER_SECONDS = 1;
    private static final Logger LOG = Logger.getLogger(CheckpointService.class.getName());

    private final CheckpointStore store;

    public CheckpointService(CheckpointStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/checkpoints/latest", this::latest)
                .get("/checkpoints/{seq}", this::one)
                .get("/checkpoints", this::range);
    }

    private void latest(ServerRequest req, ServerResponse res) {
        Checkpoint latest = read(store::latestCheckpoint);
        if (latest == null) {
            throw new ApiException(404, "No checkpoint", "no checkpoint has been sealed yet");
        }
        sendJson(res, latest.toJson());
    }

    private void one(ServerRequest req, ServerResponse res) {
        long seq = parseLong(req.path().pathParameters().get("seq"), "seq");
        Checkpoint checkpoint = read(() -> store.checkpoint(seq));
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
            from = parseLong(fromParam.get(), "from");
            to = toParam.isPresent() ? parseLong(toParam.get(), "to") : from + RANGE_SIZE_MAX - 1;
        } else {
            Checkpoint latest = read(store::latestCheckpoint);
            to = toParam.isPresent() ? parseLong(toParam.get(), "to") : latest == null ? 0 : latest.seq();
            from = Math.max(1, to - RANGE_SIZE_MAX + 1);
        }
        if (to < from - 1 || to - from + 1 > RANGE_SIZE_MAX) {
            throw new ApiException(400, "Bad checkpoint range", "checkpoint range from=" + from + " to=" + to
                    + " must hold 0 to " + RANGE_SIZE_MAX + " seqs");
        }
        List<Checkpoint> checkpoints = read(() -> store.checkpoints(from, to));
        StringBuilder json = new StringBuilder(64 + checkpoints.size() * 460).append("{\"checkpoints\":[");
        for (int i = 0; i < checkpoints.size(); i++) {
            json.append(i == 0 ? "" : ",").append(checkpoints.get(i).toJson());
        }
        sendJson(res, json.append("]}").toString());
    }

    static long parseLong(String text, String name) {
        try {
            long value = Long.parseLong(text);
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(400, "Bad parameter", name + " must be an integer from 1, got '" + text + "'");
    }

    static void sendJson(ServerResponse res, String json) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(json);
    }

    @FunctionalInterface
    interface StorageRead<T> {
        T read() throws StorageException;
    }

    /** Storage failures answer 503 (the node is not ready); the cause is logged, not sent. */
    static <T> T read(StorageRead<T> read) {
        try {
            return read.read();
        } catch (StorageException e) {
            LOG.log(Level.WARNING, "checkpoint/proof API: storage failed: " + e.getMessage(), e);
            throw new ApiException(503, "Storage unavailable", "storage did not answer; retry later",
                    STORAGE_RETRY_AFTER_SECONDS);
        }
    }
}
