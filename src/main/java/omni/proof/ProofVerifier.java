package omni.proof;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Checks a proof of inclusion offline (docs/proofs.md) and says why it is not valid. The checks run in
 * the order of {@link Reason}; the first that fails is the answer, so each single tampering maps to
 * one reason: the checkpoint is checked (hash, then signature) before the transfer is checked against it.
 * Stateless and thread-safe. Cost: one Ed25519 verification (JDK EdDSA) plus a few dozen SHA-256.
 */
public final class ProofVerifier {

    /** Why a proof is not valid, in check order; {@link #wireName()} is what the API and CLI print. */
    public enum Reason {
        VALID("valid"),
        MALFORMED("malformed"),
        CHECKPOINT_HASH_MISMATCH("checkpoint_hash_mismatch"),
        CHECKPOINT_INCONSISTENT("checkpoint_inconsistent"),
        PUBLIC_KEY_MISMATCH("public_key_mismatch"),
        SIGNATURE_INVALID("signature_invalid"),
        ID_MISMATCH("id_mismatch"),
        LEAF_INDEX_OUT_OF_RANGE("leaf_index_out_of_range"),
        AUDIT_PATH_LENGTH_WRONG("audit_path_length_wrong"),
        AUDIT_PATH_ROOT_MISMATCH("audit_path_root_mismatch");

        private final String wireName;

        Reason(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    /** The answer: a reason and a sentence with the specifics. */
    public record Verdict(Reason reason, String detail) {
        public boolean valid() {
            return reason == Reason.VALID;
        }

        /** What {@code omni verify} prints: {@code valid}, or the reason and the sentence. */
        public String line() {
            return valid() ? "valid" : reason.wireName() + ": " + detail;
        }

        /** {@code {"valid":bool,"reason":"...","detail":"..."}}. */
        public String toJson() {
            StringBuilder json = new StringBuilder(96 + detail.length());
            json.append("{\"valid\":").append(valid()).append(",\"reason\":\"").append(reason.wireName())
                    .append("\",\"detail\":\"");
            JsonStringEncoder.getInstance().quoteAsString(detail, json);
            return json.append("\"}").toString();
        }
    }

    private ProofVerifier() {
    }

    /**
     * Verifies a proof in JSON. With {@code expectedPublicKey} (raw 32 bytes, e.g. from
     * {@code GET /api/v1/node}) the proof must also name that key; without it the proof is only checked
     * to be consistent under the key it carries.
     */
    public static Verdict verify(String json, byte[] expectedPublicKey) {
        Proof proof;
        try {
            proof = Proof.fromJson(json);
        } catch (IllegalArgumentException e) {
            return new Verdict(Reason.MALFORMED, e.getMessage());
        }
        return verify(proof, expectedPublicKey);
    }

    public static Verdict verify(Proof proof, byte[] expectedPublicKey) {
        Checkpoint checkpoint = proof.checkpoint();
        if (!checkpoint.hashRecomputes()) {
            return new Verdict(Reason.CHECKPOINT_HASH_MISMATCH, "checkpoint hash " + HexFormat.of().formatHex(checkpoint.hash())
                    + " does not recompute from the checkpoint fields (" + HexFormat.of().formatHex(checkpoint.recomputeHash()) + ")");
        }
        Verdict inconsistent = checkConsistent(checkpoint);
        if (inconsistent != null) {
            return inconsistent;
        }
        byte[] publicKey = proof.publicKey();
        if (expectedPublicKey != null && !MessageDigest.isEqual(expectedPublicKey, publicKey)) {
            return new Verdict(Reason.PUBLIC_KEY_MISMATCH, "the proof names public key " + HexFormat.of().formatHex(publicKey)
                    + ", not the expected " + HexFormat.of().formatHex(expectedPublicKey));
        }
        if (!NodeKey.verify(publicKey, checkpoint.hash(), checkpoint.signature())) {
            return new Verdict(Reason.SIGNATURE_INVALID, "the checkpoint signature does not verify under public key "
                    + HexFormat.of().formatHex(publicKey) + " (Ed25519 over the checkpoint hash)");
        }
        Transfer transfer = proof.transaction();
        if (!transfer.idRecomputes()) {
            return new Verdict(Reason.ID_MISMATCH, "id " + HexFormat.of().formatHex(transfer.id())
                    + " does not recompute from the transaction fields (" + HexFormat.of().formatHex(transfer.computeId()) + ")");
        }
        return checkInclusion(proof, checkpoint, transfer);
    }

    private static Verdict checkConsistent(Checkpoint c) {
        boolean consistent = c.seq() >= 1 && c.firstPosition() >= 0 && c.lastPosition() >= c.firstPosition()
                && c.count() == c.lastPosition() - c.firstPosition() + 1
                && (c.seq() != 1 || (c.firstPosition() == 0 && MessageDigest.isEqual(c.prev(), Checkpoint.genesisPrev())));
        if (consistent) {
            return null;
        }
        return new Verdict(Reason.CHECKPOINT_INCONSISTENT, "checkpoint seq=" + c.seq() + " firstPosition="
                + c.firstPosition() + " lastPosition=" + c.lastPosition() + " count=" + c.count()
                + " breaks the checkpoint rules (count = last - first + 1; seq 1 starts at 0 with a zero prev)");
    }

    private static Verdict checkInclusion(Proof proof, Checkpoint checkpoint, Transfer transfer) {
        byte[][] path = proof.auditPath();
        long leafIndex = proof.leafIndex();
        long count = checkpoint.count();
        return switch (MerkleTree.fold(MerkleTree.leafHash(transfer.id()), leafIndex, count, path, checkpoint.root())) {
            case ROOT_MATCHES -> new Verdict(Reason.VALID, "transfer " + HexFormat.of().formatHex(transfer.id()) + " is position "
                    + (checkpoint.firstPosition() + leafIndex) + " in checkpoint " + checkpoint.seq());
            case LEAF_INDEX_OUT_OF_RANGE -> new Verdict(Reason.LEAF_INDEX_OUT_OF_RANGE, "leafIndex " + leafIndex
                    + " is outside the checkpoint's " + count + " leaves");
            case PATH_LENGTH_WRONG -> new Verdict(Reason.AUDIT_PATH_LENGTH_WRONG, "auditPath has " + path.length
                    + " hashes; leaf " + leafIndex + " of " + count + " needs "
                    + MerkleTree.auditPathLength(leafIndex, count));
            case ROOT_DIFFERS -> new Verdict(Reason.AUDIT_PATH_ROOT_MISMATCH, "auditPath does not fold from leaf "
                    + leafIndex + " to the checkpoint root " + HexFormat.of().formatHex(checkpoint.root()));
        };
    }
}
