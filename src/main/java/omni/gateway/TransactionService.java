package omni.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.Ledger;
import omni.ledger.TransferView;

/**
 * {@code POST /transactions}: the body goes to {@link Ledger#submit} as bytes and its answer, written once every
 * accepted item is durable, comes back as bytes in request order. {@code GET /transactions/{id}}: the committed
 * transfer with its position and, once sealed, its checkpoint.
 */
public final class TransactionService implements HttpService {
    private static final String NDJSON = "x-ndjson";

    private final Ledger ledger;

    public TransactionService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/transactions", this::submit)
                .get("/transactions/{id}", this::transaction);
    }

    private void submit(ServerRequest req, ServerResponse res) throws IOException {
        boolean ndjson = isNdjson(req);
        long declaredSize = req.headers().contentLength().orElse(-1);
        try (InputStream body = req.content().inputStream()) {
            ledger.submit(body, declaredSize, ndjson, Caller.of(req).isAdmin(), (json, offset, size) -> {
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(json, offset, size);
            });
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

    private void transaction(ServerRequest req, ServerResponse res) {
        byte[] id = QueryParams.transferId(req);
        TransferView transfer = ledger.transfer(id);
        if (transfer == null) {
            throw new ApiException(404, "Not Found", "no committed transaction has id "
                    + req.path().pathParameters().get("id"));
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(LedgerJson.transfer(transfer));
    }
}
