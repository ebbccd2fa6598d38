package omni.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.bus.JsonText;
import omni.ingest.IngestOutcome;
import omni.ingest.JsonIngest;
import omni.kernel.Hex;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.ledger.BatchSlot;
import omni.ledger.Engine;
import omni.proof.Checkpoint;

/**
 * {@code POST /transactions} (SPEC section 5): body bytes into a pooled batch, through the {@link Engine},
 * answered only after commit, the answer written as bytes in request order. {@code GET /transactions/{id}}:
 * the committed transfer with its position and, once sealed, its checkpoint.
 */
public final class TransactionService implements HttpService {
    private static final String NDJSON = "x-ndjson";
    private static final byte[][] RESULT_FIELDS = new byte[Result.values().length][];
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** The longest item of the answer: index, 64-hex id, longest result name, position, punctuation. */
    private static final int RESPONSE_ITEM_SIZE_MAX = 200;

    static {
        for (Result result : Result.values()) {
            RESULT_FIELDS[result.ordinal()] = (",\"result\":\"" + result.wireName() + "\"")
                    .getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final Engine engine;

    public TransactionService(Engine engine) {
        this.engine = engine;
    }

    /**
     * Mounts the transfer, account and tip API of {@code engine} under /api/v1 and makes /health/ready follow
     * the engine (check "storage": not ready with the reason while storage is down or recovering).
     */
    public static Gateway.Builder mount(Gateway.Builder gateway, Engine engine) {
        return gateway.api(new TransactionService(engine), new AccountService(engine), new TipService(engine))
                .readiness("storage", () -> {
                    String reason = engine.notReadyReason();
                    return reason == null ? ReadinessCheck.Readiness.ok() : ReadinessCheck.Readiness.notReady(reason);
                });
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/transactions", this::submit)
                .get("/transactions/{id}", this::transaction);
    }

    private void submit(ServerRequest req, ServerResponse res) throws IOException, InterruptedException {
        boolean ndjson = isNdjson(req);
        long declaredSize = req.headers().contentLength().orElse(-1);
        if (declaredSize > BatchSlot.BODY_SIZE_MAX) {
            throw tooLarge("the body has " + declaredSize + " bytes");
        }
        BatchSlot slot = engine.acquire();
        if (slot == null) {
            throw unavailable("all " + Engine.BATCH_POOL_SIZE + " batch slots are busy; retry shortly");
        }
        try {
            readBody(req, slot);
            engine.ingested(slot.bodySize);
            IngestOutcome outcome = JsonIngest.parse(slot.body, slot.bodySize, ndjson, slot.batch);
            if (outcome == IngestOutcome.UNPARSEABLE) {
                throw new ApiException(400, "Bad Request", "the body is not " + (ndjson ? "NDJSON" : "JSON"));
            }
            if (outcome == IngestOutcome.TOO_MANY_ITEMS) {
                throw tooLarge("more than " + TransferBatch.ITEM_COUNT_MAX + " items");
            }
            String failure = engine.execute(slot, Caller.of(req).isAdmin());
            if (failure != null) {
                throw unavailable(failure);
            }
            int size = encode(slot);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(slot.response, 0, size);
        } finally {
            engine.release(slot);
        }
    }

    private static boolean isNdjson(ServerRequest req) {
        Optional<HttpMediaType> type = req.headers().contentType();
        if (type.isPresent() && "application".equals(type.get().mediaType().type())) {
            String subtype = type.get().mediaType().subtype();
            if ("json".equals(subtype) || NDJSON.equals(subtype)) {
                return NDJSON.equals(subtype);
            }
        }
        throw new ApiException(415, "Unsupported Media Type",
                "send application/json (one object or an array) or application/x-ndjson");
    }

    /** Reads the body into the slot's reused buffer; 413 beyond {@link BatchSlot#BODY_SIZE_MAX}. */
    private static void readBody(ServerRequest req, BatchSlot slot) throws IOException {
        try (InputStream in = req.content().inputStream()) {
            int size = 0;
            while (true) {
                if (size == slot.body.length) {
                    if (size > BatchSlot.BODY_SIZE_MAX) {
                        throw tooLarge("the body exceeds " + BatchSlot.BODY_SIZE_MAX + " bytes");
                    }
                    slot.ensureBodyCapacity(size + 1);
                }
                int n = in.read(slot.body, size, slot.body.length - size);
                if (n < 0) {
                    break;
                }
                size += n;
            }
            if (size > BatchSlot.BODY_SIZE_MAX) {
                throw tooLarge("the body exceeds " + BatchSlot.BODY_SIZE_MAX + " bytes");
            }
            slot.bodySize = size;
        }
    }

    private static ApiException tooLarge(String detail) {
        return new ApiException(413, "Content Too Large", detail + "; a request holds at most "
                + TransferBatch.ITEM_COUNT_MAX + " items and " + BatchSlot.BODY_SIZE_MAX + " bytes");
    }

    /**
     * Writes {@code {"accepted":n,"rejected":m,"results":[...]}} into the slot's response buffer; returns
     * its size. {@code accepted} counts the successes (accepted and exists), so accepted + rejected is the
     * item count. Items have {@code id} unless malformed, and {@code position} when they succeeded.
     */
    static int encode(BatchSlot slot) {
        TransferBatch batch = slot.batch;
        slot.ensureResponseCapacity(64 + batch.count * RESPONSE_ITEM_SIZE_MAX);
        byte[] out = slot.response;
        int successCount = slot.count(Result.ACCEPTED) + slot.count(Result.EXISTS);
        int p = put(out, 0, "{\"accepted\":");
        p = putLong(out, p, successCount);
        p = put(out, p, ",\"rejected\":");
        p = putLong(out, p, batch.count - successCount);
        p = put(out, p, ",\"results\":[");
        for (int i = 0; i < batch.count; i++) {
            p = encodeItem(batch, i, out, i == 0 ? p : put(out, p, ","));
        }
        return put(out, p, "]}");
    }

    private static int encodeItem(TransferBatch batch, int i, byte[] out, int p) {
        int code = batch.result[i];
        p = put(out, p, "{\"index\":");
        p = putLong(out, p, i);
        if (code != Result.MALFORMED.code()) {
            p = put(out, p, ",\"id\":\"");
            int idOffset = i * TransferBatch.ID_SIZE;
            for (int b = 0; b < TransferBatch.ID_SIZE; b++) {
                int v = batch.id[idOffset + b] & 0xff;
                out[p++] = HEX[v >>> 4];
                out[p++] = HEX[v & 0xf];
            }
            out[p++] = '"';
        }
        byte[] resultField = RESULT_FIELDS[code];
        System.arraycopy(resultField, 0, out, p, resultField.length);
        p += resultField.length;
        p = JsonIngest.putDetail(batch, i, out, p);
        if (code == Result.ACCEPTED.code() || code == Result.EXISTS.code()) {
            p = put(out, p, ",\"position\":");
            p = putLong(out, p, batch.position[i]);
        }
        out[p++] = '}';
        return p;
    }

    private static int put(byte[] out, int p, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            out[p++] = (byte) ascii.charAt(i);
        }
        return p;
    }

    /** Writes a non-negative long in decimal. */
    private static int putLong(byte[] out, int p, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative number in a transaction answer: " + value);
        }
        int digits = 1;
        for (long v = value / 10; v != 0; v /= 10) {
            digits++;
        }
        for (int i = p + digits - 1; i >= p; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return p + digits;
    }

    // ---- GET /transactions/{id} ------------------------------------------------------------------------

    private void transaction(ServerRequest req, ServerResponse res) throws InterruptedException {
        String text = req.path().pathParameters().get("id");
        byte[] id = new byte[TransferBatch.ID_SIZE];
        if (!Hex.decode(text, id, 0, TransferBatch.ID_SIZE)) {
            throw new ApiException(400, "Bad Request", "a transaction id is 64 lowercase hex characters");
        }
        Kernel kernel = kernel(engine);
        long position = kernel.positionOf(id, 0);
        if (position < 0 || position > engine.committedPosition()) {
            throw new ApiException(404, "Not Found", "no committed transaction has id " + text);
        }
        StringBuilder json = new StringBuilder(512);
        TransferBatch scratch = acquireReadBatch(engine);
        try {
            if (!engine.store().readTransfer(position, scratch)) {
                throw new IllegalStateException("position " + position + " of id " + text + " is not in storage");
            }
            Checkpoint checkpoint = engine.store().checkpointCovering(position);
            json.append('{');
            appendTransfer(json, scratch, 0);
            if (checkpoint != null) {
                json.append(",\"checkpoint\":").append(checkpoint.seq());
            }
            json.append('}');
        } catch (omni.proof.StorageException e) {
            throw unavailable("storage: " + e.getMessage());
        } finally {
            engine.releaseReadBatch(scratch);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json.toString());
    }

    /** Appends the fields (without braces) of item {@code i}: every transfer field, {@code id}, {@code position}. */
    static void appendTransfer(StringBuilder json, TransferBatch batch, int i) {
        json.append("\"id\":\"").append(Hex.encode(batch.id, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE))
                .append("\",\"sender\":").append(batch.sender[i])
                .append(",\"receiver\":").append(batch.receiver[i])
                .append(",\"amount\":").append(batch.amount[i])
                .append(",\"seq\":").append(batch.seq[i])
                .append(",\"timestamp\":").append(batch.timestamp[i])
                .append(",\"parents\":[");
        for (int k = 0; k < batch.parentCount[i]; k++) {
            json.append(k == 0 ? "\"" : ",\"")
                    .append(Hex.encode(batch.parents, batch.parentOffset[i] + k * TransferBatch.ID_SIZE,
                            TransferBatch.ID_SIZE))
                    .append('"');
        }
        json.append("],\"memo\":");
        json.append(JsonText.quote(new String(batch.memos, batch.memoOffset[i], batch.memoSize[i],
                StandardCharsets.UTF_8)));
        json.append(",\"position\":").append(batch.position[i]);
    }

    /** 503 with Retry-After: storage down, recovering, or every batch slot busy. Nothing was changed. */
    static ApiException unavailable(String detail) {
        return new ApiException(503, "Service Unavailable", detail, Engine.RETRY_AFTER_SECONDS);
    }

    /** The engine's kernel for reads, or 503 while the first recovery has not finished. */
    static Kernel kernel(Engine engine) {
        Kernel kernel = engine.kernel();
        if (kernel == null) {
            throw unavailable("recovering: " + engine.notReadyReason());
        }
        return kernel;
    }

    /** A scratch batch for storage reads, or 503 when every one is in use for longer than a moment. */
    static TransferBatch acquireReadBatch(Engine engine) throws InterruptedException {
        TransferBatch scratch = engine.acquireReadBatch();
        if (scratch == null) {
            throw unavailable("all " + Engine.READ_BATCH_POOL_SIZE + " read buffers are busy; retry shortly");
        }
        return scratch;
    }

    /**
     * A query parameter as a long in [min, max], {@code missing} when absent; 400 naming the parameter
     * otherwise (digits only: no sign, no fraction, no exponent).
     */
    static long queryLong(ServerRequest req, String name, long missing, long min, long max) {
        Optional<String> text = req.query().first(name).asOptional();
        if (text.isEmpty()) {
            return missing;
        }
        long value = parseLong(text.get());
        if (value < min || value > max) {
            throw new ApiException(400, "Bad Request", "query parameter " + name + " must be an integer from "
                    + min + " to " + max + ", not " + text.get());
        }
        return value;
    }

    /** Decimal digits as a long in [0, 2^63-1], or -1 when the text is not that. */
    static long parseLong(String text) {
        if (text.isEmpty() || text.length() > 19) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            if (value > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }
}
