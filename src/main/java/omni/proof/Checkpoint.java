package omni.proof;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Set;

/**
 * A sealed checkpoint (docs/proofs.md): transfers at positions {@code firstPosition..lastPosition}
 * under the Merkle {@code root}, chained to the checkpoint before by {@code prev}, with
 * {@code hash} = SHA-256("OMNI-CP1" || seq u64 || prev || firstPosition u64 || lastPosition u64 ||
 * count u64 || root || timestamp i64) and {@code signature} = Ed25519 over {@code hash}.
 * <p>
 * The record holds what it is given, even a tampered hash, so that the verifier and the chain audit can
 * say what is wrong; {@link #hashRecomputes()} checks it. Byte arrays are compared by content.
 */
public record Checkpoint(long seq, byte[] prev, long firstPosition, long lastPosition, long count,
                         byte[] root, long timestamp, byte[] hash, byte[] signature) {
    /** SHA-256, as the Merkle tree whose root a checkpoint seals. */
    public static final int HASH_SIZE = MerkleTree.HASH_SIZE;
    /** Ed25519 signatures are 64 bytes (RFC 8032). */
    public static final int SIGNATURE_SIZE = 64;
    private static final byte[] DOMAIN_TAG = "OMNI-CP1".getBytes(StandardCharsets.US_ASCII);
    private static final int HASH_INPUT_SIZE = DOMAIN_TAG.length + 8 + HASH_SIZE + 3 * 8 + HASH_SIZE + 8;
    /** The JSON field names, in the order {@link #toJson()} writes them. */
    static final Set<String> FIELD_NAMES = Set.of("seq", "prev", "firstPosition", "lastPosition", "count",
            "root", "timestamp", "hash", "signature");

    public Checkpoint {
        requireSize(prev, HASH_SIZE, "prev");
        requireSize(root, HASH_SIZE, "root");
        requireSize(hash, HASH_SIZE, "hash");
        requireSize(signature, SIGNATURE_SIZE, "signature");
        prev = prev.clone();
        root = root.clone();
        hash = hash.clone();
        signature = signature.clone();
    }

    /** {@code prev} of checkpoint 1: 32 zero bytes (a new array each call). */
    public static byte[] genesisPrev() {
        return new byte[HASH_SIZE];
    }

    /** SHA-256 of the checkpoint hash input of these fields (docs/proofs.md). */
    public static byte[] computeHash(long seq, byte[] prev, long firstPosition, long lastPosition, long count,
                                     byte[] root, long timestamp) {
        requireSize(prev, HASH_SIZE, "prev");
        requireSize(root, HASH_SIZE, "root");
        ByteBuffer input = ByteBuffer.allocate(HASH_INPUT_SIZE); // big-endian by default
        input.put(DOMAIN_TAG).putLong(seq).put(prev).putLong(firstPosition).putLong(lastPosition)
                .putLong(count).put(root).putLong(timestamp);
        if (input.hasRemaining()) {
            throw new IllegalStateException("checkpoint hash input is " + input.position() + " of "
                    + HASH_INPUT_SIZE + " bytes");
        }
        return sha256().digest(input.array());
    }

    /** The hash recomputed from this checkpoint's fields (not from {@link #hash()}). */
    public byte[] recomputeHash() {
        return computeHash(seq, prev, firstPosition, lastPosition, count, root, timestamp);
    }

    public boolean hashRecomputes() {
        return MessageDigest.isEqual(recomputeHash(), hash);
    }

    @Override
    public byte[] prev() {
        return prev.clone();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** {"seq","prev","firstPosition","lastPosition","count","root","timestamp","hash","signature"}, hex byte strings. */
    public String toJson() {
        return appendJson(new StringBuilder(JSON_SIZE_TYPICAL)).toString();
    }

    /** About 460 characters: four hashes and a signature in hex plus five numbers. */
    static final int JSON_SIZE_TYPICAL = 512;

    StringBuilder appendJson(StringBuilder json) {
        json.append("{\"seq\":").append(seq).append(",\"prev\":");
        JsonFields.appendHex(json, prev).append(",\"firstPosition\":").append(firstPosition)
                .append(",\"lastPosition\":").append(lastPosition)
                .append(",\"count\":").append(count)
                .append(",\"root\":");
        JsonFields.appendHex(json, root).append(",\"timestamp\":").append(timestamp).append(",\"hash\":");
        JsonFields.appendHex(json, hash).append(",\"signature\":");
        return JsonFields.appendHex(json, signature).append('}');
    }

    /** Parses {@link #toJson()}'s form strictly; IllegalArgumentException names the offending field. */
    public static Checkpoint fromJson(String json) {
        return fromJson(JsonFields.parse(json, "checkpoint"), "checkpoint");
    }

    static Checkpoint fromJson(JsonNode node, String context) {
        JsonFields.requireExactly(node, FIELD_NAMES, context);
        return new Checkpoint(
                JsonFields.longValue(node, "seq", Long.MIN_VALUE, context),
                JsonFields.hex(node, "prev", HASH_SIZE, context),
                JsonFields.longValue(node, "firstPosition", Long.MIN_VALUE, context),
                JsonFields.longValue(node, "lastPosition", Long.MIN_VALUE, context),
                JsonFields.longValue(node, "count", Long.MIN_VALUE, context),
                JsonFields.hex(node, "root", HASH_SIZE, context),
                JsonFields.longValue(node, "timestamp", Long.MIN_VALUE, context),
                JsonFields.hex(node, "hash", HASH_SIZE, context),
                JsonFields.hex(node, "signature", SIGNATURE_SIZE, context));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && seq == c.seq && firstPosition == c.firstPosition
                && lastPosition == c.lastPosition && count == c.count && timestamp == c.timestamp
                && Arrays.equals(prev, c.prev) && Arrays.equals(root, c.root)
                && Arrays.equals(hash, c.hash) && Arrays.equals(signature, c.signature);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq) * 31 + Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
        return toJson();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static void requireSize(byte[] bytes, int size, String name) {
        if (bytes == null || bytes.length != size) {
            throw new IllegalArgumentException("checkpoint " + name + " must be " + size + " bytes, is "
                    + (bytes == null ? "null" : bytes.length));
        }
    }
}
