package omni.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import omni.proof.Checkpoint;
import omni.proof.ProofVerifier;

/**
 * The ledger as the HTTP services (and the console) see it: one write, submitting a request's transfers, and
 * every read the API answers. Reads return immutable records, never the engine's buffers. {@link LocalLedger}
 * answers from this node's engine, store and checkpoints; a cluster adds an implementation that forwards each
 * item to the member owning its sender's partition (docs/api.md, "The ledger seam").
 *
 * <p>Failures that are no answer at all reach the caller as exceptions: {@link LedgerUnavailableException}
 * (recovering, storage down, every buffer busy: retry later) and, for {@link #submit} only,
 * {@link RequestRefusedException} (unparseable or too large: the request must change). Neither changed
 * anything. A missing transfer, account or checkpoint is a null answer.
 */
public interface Ledger {
    /** The largest request body {@link #submit} reads, in bytes. */
    int BODY_SIZE_MAX = BatchSlot.BODY_SIZE_MAX;

    /**
     * Validates and commits the transfers in {@code body} (one JSON object, a JSON array, or NDJSON) and writes
     * the answer {@code {"accepted":n,"rejected":m,"results":[...]}} (per item, in request order) to
     * {@code answer} once every accepted item is durable. The body is read into pooled buffers and the answer
     * encoded from them: no object is made per transfer.
     *
     * @param declaredSize the body size the client announced, or -1 when it did not
     * @param issuerAllowed whether items may send from the issuer (the caller holds the admin token)
     * @throws RequestRefusedException the body is unparseable or over a limit; nothing was validated
     * @throws LedgerUnavailableException nothing of the request was acknowledged; retry later
     */
    void submit(InputStream body, long declaredSize, boolean ndjson, boolean issuerAllowed, AnswerSink answer)
            throws IOException;

    /** Receives the answer of {@link #submit}; the bytes are valid only during the call. */
    @FunctionalInterface
    interface AnswerSink {
        void send(byte[] json, int offset, int size) throws IOException;
    }

    /** A committed transfer, or null when {@code id} (32 bytes) is not committed. */
    TransferView transfer(byte[] id);

    /**
     * An account's balance, last seq and transfer count, or null for an account never used. The issuer exists
     * from genesis, so account 0 is never null.
     */
    AccountView account(long id);

    /**
     * Up to {@code limit} committed transfers of an account (sent or received), newest first, all at positions
     * below {@code beforePosition}; null for an account never used.
     */
    HistoryPage history(long account, int limit, long beforePosition);

    /** Up to {@code limit} ids (64 lowercase hex) of transfers no transfer references yet, newest first. */
    List<String> tips(int limit);

    /** The newest checkpoint, or null before the first is sealed. */
    Checkpoint latestCheckpoint();

    /** The checkpoint with this seq, or null. */
    Checkpoint checkpoint(long seq);

    /** The checkpoints with seqs from {@code fromSeq} to {@code toSeq} inclusive that exist, in seq order. */
    List<Checkpoint> checkpoints(long fromSeq, long toSeq);

    /** The inclusion proof of a transfer, or why there is none yet (unknown, or committed but not sealed). */
    ProofView proof(byte[] id);

    /** Checks a proof object (JSON) offline, under the key(s) this ledger signs with. */
    ProofVerifier.Verdict verifyProof(String proofJson);

    /** Identity and components of the node answering. */
    NodeView node();

    /** Members, partition owners and the ring. */
    ClusterView cluster();

    /** Null while the ledger takes writes; else why it does not (for readiness). */
    String notReadyReason();
}
