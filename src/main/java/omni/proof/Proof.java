package omni.proof;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;

/**
 * A proof of inclusion (docs/proofs.md):
 * {@code {"transaction":{...},"id","leafIndex","checkpoint":{...},"auditPath":["hex",...],"publicKey":"hex"}}.
 * The transfer's ledger position is {@code checkpoint.firstPosition + leafIndex}; the audit path runs
 * from the leaf's sibling up to the child of the root (RFC 9162 section 2.1.3.1).
 */
public record Proof(Transfer transaction, long leafIndex, Checkpoint checkpoint, byte[][] auditPath, byte[] publicKey) {
    static final Set<String> FIELD_NAMES = Set.of("transaction", "id", "leafIndex", "checkpoint", "auditPath", "publicKey");
    /**
     * Largest proof JSON read (API body, CLI file): a proof is at most about 1 KB of transfer (8 parents,
     * 128-byte memo), 0.5 KB of checkpoint and 63 path hashes (4.3 KB); 64 KiB leaves room for escaping
     * and pretty-printing.
     */
    public static final int JSON_SIZE_MAX = 64 * 1024;
    /** A tree of at most 2^63 leaves has paths of at most 63 hashes; anything longer is not a proof. */
    static final int AUDIT_PATH_LENGTH_MAX = MerkleTree.LEVEL_COUNT_MAX;

    public Proof {
        if (auditPath.length > AUDIT_PATH_LENGTH_MAX) {
            throw new IllegalArgumentException("auditPath has " + auditPath.length + " hashes, more than "
                    + AUDIT_PATH_LENGTH_MAX);
        }
        byte[][] copy = new byte[auditPath.length][];
        for (int i = 0; i < auditPath.length; i++) {
            if (auditPath[i].length != MerkleTree.HASH_SIZE) {
                throw new IllegalArgumentException("auditPath[" + i + "] is " + auditPath[i].length + " bytes");
            }
            copy[i] = auditPath[i].clone();
        }
        auditPath = copy;
        if (publicKey.length != NodeKey.PUBLIC_KEY_SIZE) {
            throw new IllegalArgumentException("publicKey is " + publicKey.length + " bytes");
        }
        publicKey = publicKey.clone();
    }

    @Override
    public byte[][] auditPath() {
        byte[][] copy = new byte[auditPath.length][];
        for (int i = 0; i < auditPath.length; i++) {
            copy[i] = auditPath[i].clone();
        }
        return copy;
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    public String toJson() {
        StringBuilder json = new StringBuilder(1024 + Checkpoint.JSON_SIZE_TYPICAL + auditPath.length * 67);
        transaction.appendJson(json.append("{\"transaction\":")).append(",\"id\":");
        JsonFields.appendHex(json, transaction.id()).append(",\"leafIndex\":").append(leafIndex);
        checkpoint.appendJson(json.append(",\"checkpoint\":")).append(",\"auditPath\":[");
        for (int i = 0; i < auditPath.length; i++) {
            JsonFields.appendHex(i == 0 ? json : json.append(','), auditPath[i]);
        }
        JsonFields.appendHex(json.append("],\"publicKey\":"), publicKey);
        return json.append('}').toString();
    }

    /** Parses a proof strictly; IllegalArgumentException names the offending field. */
    public static Proof fromJson(String json) {
        JsonNode node = JsonFields.parse(json, "proof");
        JsonFields.requireExactly(node, FIELD_NAMES, "");
        byte[] id = JsonFields.hex(node, "id", MerkleTree.HASH_SIZE, "");
        Transfer transfer = Transfer.fromJson(JsonFields.object(node, "transaction", ""), id, "transaction");
        Checkpoint checkpoint = Checkpoint.fromJson(JsonFields.object(node, "checkpoint", ""), "checkpoint");
        JsonNode path = node.get("auditPath");
        if (!path.isArray() || path.size() > AUDIT_PATH_LENGTH_MAX) {
            throw new IllegalArgumentException("auditPath is not an array of at most " + AUDIT_PATH_LENGTH_MAX + " hashes");
        }
        byte[][] auditPath = new byte[path.size()][];
        for (int i = 0; i < auditPath.length; i++) {
            JsonNode element = path.get(i);
            String name = "auditPath[" + i + "]";
            if (!element.isTextual()) {
                throw new IllegalArgumentException(name + " is not a string");
            }
            auditPath[i] = JsonFields.hex(element.textValue(), MerkleTree.HASH_SIZE, name);
        }
        return new Proof(transfer, JsonFields.longValue(node, "leafIndex", Long.MIN_VALUE, ""), checkpoint, auditPath,
                JsonFields.hex(node, "publicKey", NodeKey.PUBLIC_KEY_SIZE, ""));
    }
}
