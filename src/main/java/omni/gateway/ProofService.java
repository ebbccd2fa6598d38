package omni.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.Ledger;
import omni.ledger.ProofView;
import omni.proof.Proof;

/**
 * {@code GET /proofs/{id}} (404 unknown id, 409 committed but not sealed yet) and
 * {@code POST /proofs/verify} (paths relative to /api/v1). Verification here also requires the proof to
 * name the ledger's public key; {@code omni verify} checks any proof offline.
 */
public final class ProofService implements HttpService {
    /** Largest proof body accepted; see {@link Proof#JSON_SIZE_MAX}. */
    public static final int PROOF_BODY_SIZE_MAX = Proof.JSON_SIZE_MAX;

    private final Ledger ledger;

    public ProofService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/proofs/{id}", this::proof)
                .post("/proofs/verify", this::verify);
    }

    private void proof(ServerRequest req, ServerResponse res) {
        byte[] id = QueryParams.transferId(req);
        String idHex = req.path().pathParameters().get("id");
        ProofView proof = ledger.proof(id);
        switch (proof.state()) {
            case UNKNOWN -> throw new ApiException(404, "Unknown transfer", "no transfer with id " + idHex);
            case NOT_SEALED -> throw new ApiException(409, "Not sealed yet", "transfer " + idHex + " at position "
                    + proof.position() + " is not sealed in a checkpoint yet; retry after the next checkpoint");
            case SEALED -> CheckpointService.sendJson(res, proof.proof().toJson());
        }
    }

    private void verify(ServerRequest req, ServerResponse res) {
        String body = readBounded(req);
        CheckpointService.sendJson(res, ledger.verifyProof(body).toJson());
    }

    private static String readBounded(ServerRequest req) {
        byte[] body = new byte[PROOF_BODY_SIZE_MAX + 1];
        int size = 0;
        try (InputStream in = req.content().inputStream()) {
            int read;
            while (size < body.length && (read = in.read(body, size, body.length - size)) > 0) {
                size += read;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the proof body", e);
        }
        if (size > PROOF_BODY_SIZE_MAX) {
            throw new ApiException(413, "Proof too large", "a proof is at most " + PROOF_BODY_SIZE_MAX + " bytes");
        }
        return new String(body, 0, size, StandardCharsets.UTF_8);
    }
}
