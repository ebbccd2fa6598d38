package omni.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.kernel.Kernel;
import omni.ledger.AccountView;
import omni.ledger.LocalLedger;

/**
 * The routes cluster members call on each other, mounted at {@value #PATH} outside {@code /api} (no bearer token,
 * not in the OpenAPI document: clients have no business here) but behind the gateway's concurrency bound, body
 * bound and error mapper like every route (docs/cluster.md, "Forwarding"). Every call carries the cluster secret
 * in {@value #SECRET_HEADER}: missing is 401, wrong is 403, both problem+json, before anything is read.
 *
 * <ul>
 *   <li>{@code POST /internal/v1/transfers}: NDJSON of items whose senders this member owns, validated and
 *       committed by {@link LocalLedger#submitForwarded}; {@value #ISSUER_ALLOWED_HEADER} carries whether the
 *       client that sent them holds the admin token. Answers the {@link omni.ledger.ForwardedAnswer}.</li>
 *   <li>{@code GET /internal/v1/accounts/{id}}: the account from this member's kernel, as the public API writes
 *       it; 404 for an account never used; 421 when this member does not hold the account's partition (the
 *       caller's owner table is stale: it refreshes and asks the owner).</li>
 * </ul>
 */
public final class InternalService implements HttpService {
    public static final String PATH = "/internal/v1";
    public static final String TRANSFERS_PATH = PATH + "/transfers";
    public static final String ACCOUNTS_PATH = PATH + "/accounts/";
    public static final String SECRET_HEADER = "Omni-Cluster-Secret";
    public static final String ISSUER_ALLOWED_HEADER = "Omni-Issuer-Allowed";
    public static final String NDJSON = "application/x-ndjson";
    private static final HeaderName SECRET = HeaderNames.create(SECRET_HEADER);
    private static final HeaderName ISSUER_ALLOWED = HeaderNames.create(ISSUER_ALLOWED_HEADER);
    /** HTTP's "misdirected request": this member is not the one to answer for that account. */
    public static final int NOT_HELD_STATUS = 421;

    private final LocalLedger ledger;
    private final byte[] secretDigest;

    /** @param secret the cluster secret every member is configured with; never empty */
    public InternalService(LocalLedger ledger, String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the internal routes need a cluster secret");
        }
        this.ledger = ledger;
        this.secretDigest = digest(secret);
    }

    /** Mounts the internal routes of {@code ledger} on {@code gateway}. */
    public static Gateway.Builder mount(Gateway.Builder gateway, LocalLedger ledger, String secret) {
        return gateway.mount(PATH, new InternalService(ledger, secret));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/transfers", this::transfers)
                .get("/accounts/{id}", this::account);
    }

    private void transfers(ServerRequest req, ServerResponse res) throws IOException {
        authenticate(req);
        boolean ndjson = req.headers().contentType().map(t -> t.mediaType().text().equals(NDJSON)).orElse(false);
        if (!ndjson) {
            throw new ApiException(415, "Unsupported Media Type", "forwarded items are sent as " + NDJSON);
        }
        boolean issuerAllowed = req.headers().first(ISSUER_ALLOWED).map("true"::equals).orElse(false);
        long declaredSize = req.headers().contentLength().orElse(-1);
        try (InputStream body = req.content().inputStream()) {
            ledger.submitForwarded(body, declaredSize, issuerAllowed, (json, offset, size) -> {
                res.header(HeaderNames.CONTENT_TYPE, Json.MEDIA_TYPE);
                res.send(json, offset, size);
            });
        }
    }

    private void account(ServerRequest req, ServerResponse res) {
        authenticate(req);
        long id = QueryParams.accountId(req);
        if (!ledger.holdsAccount(id)) {
            throw new ApiException(NOT_HELD_STATUS, "Misdirected Request", "this member does not hold the"
                    + " partition of account " + id + " (one of " + Kernel.PARTITION_COUNT + "): ask its owner");
        }
        AccountView account = ledger.account(id);
        if (account == null) {
            throw new ApiException(404, "Not Found", "account " + id + " has no transfers");
        }
        res.header(HeaderNames.CONTENT_TYPE, Json.MEDIA_TYPE);
        res.send(LedgerJson.account(account));
    }

    /**
     * Compares digests of the two secrets, so the comparison takes the same time whatever the sent value and
     * its length, and tells an attacker nothing about how much of it was right.
     */
    private void authenticate(ServerRequest req) {
        String sent = req.headers().first(SECRET).orElse("");
        if (sent.isEmpty()) {
            throw new ApiException(401, "Cluster secret required", "a member sends the header " + SECRET_HEADER
                    + " with the cluster secret on every internal call");
        }
        if (!MessageDigest.isEqual(digest(sent), secretDigest)) {
            throw new ApiException(403, "Wrong cluster secret", "the " + SECRET_HEADER
                    + " header is not this cluster's secret: every member needs the same cluster secret");
        }
    }

    private static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
