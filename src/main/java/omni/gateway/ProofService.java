package omni.gateway;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.kernel.Hex;
import omni.proof.Checkpoint;
import omni.proof.Proof;
import omni.proof.ProofVerifier;
import omni.proof.Prover;
import omni.proof.Transfer;
import omni.proof.TransferLookup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /proofs/{id}} (404 unknown id, 409 committed but not sealed yet) and
 * {@code POST /proofs/verify} (paths relative to /api/v1). Verification here also requires the proof to
 * name this node's public key; {@code omni verify} checks any proof offline.
 */
public final class ProofService implements HttpService {
    /** Largest proof body accepted; see {@link Proof#JSON_SIZE_MAX}. */
    public static final int PROOF_BODY_SIZE_MAX = Proof.JSON_SIZE_MAX;

    private final TransferLookup lookup;
    private final Prover prover;
    private final byte[] nodePublicKey;

    public ProofService(TransferLookup lookup, Prover prover, byte[] nodePublicKey) {
        this.lookup = lookup;
        this.prover = prover;
        this.nodePublicKey = nodePublicKey.clone();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/proofs/{id}", this::proof)
                .post("/proofs/verify", this::verify);
    }

    private void proof(ServerRequest req, ServerResponse res) {
        String idHex = req.path().pathParameters().get("id");
        byte[] id = new byte[32];
        if (!Hex.decode(idHex, id, 0, id.length)) {
            throw new ApiException(400, "Bad id", "id must be 64 lowercase hex digits");
        }
        long position = CheckpointService.read(() -> lookup.positionOf(id));
        if (position < 0) {
            throw new ApiException(404, "Unknown transfer", "no transfer with id " + idHex);
        }
        Checkpoint covering = CheckpointService.read(() -> prover.checkpointCovering(position));
        Transfer transfer = covering == null ? null : CheckpointService.read(() -> lookup.transferAt(position));
        Proof proof = transfer == null ? null : CheckpointService.read(() -> prover.prove(transfer, position));
        if (proof == null) {
            throw new ApiException(409, "Not sealed yet", "transfer " + idHex + " at position " + position
                    + " is not sealed in a checkpoint yet; retry after the next checkpoint");
        }
        CheckpointService.sendJson(res, proof.toJson());
    }

    private void verify(ServerRequest req, ServerResponse res) {
        String body = readBounded(req);
        CheckpointService.sendJson(res, ProofVerifier.verify(body, nodePublicKey).toJson());
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
