package omni.proof;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import omni.kernel.Hex;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * One transfer as a proof carries it (docs/transfers.md fields): {@code parents} holds the parent ids
 * concatenated, 32 bytes each, in the order the client gave them; {@code memo} is UTF-8 (empty when
 * absent, which encodes the same); {@code id} is the id as stated, which may differ from
 * {@link #computeId()} in a tampered proof.
 */
public record Transfer(long sender, long receiver, long amount, long seq, long timestamp, byte[] parents,
                       byte[] memo, byte[] id) {
    static final Set<String> FIELD_NAMES = Set.of("sender", "receiver", "amount", "seq", "timestamp", "parents", "memo");

    public Transfer {
        if (parents.length % TransferBatch.ID_SIZE != 0
                || parents.length / TransferBatch.ID_SIZE > TransferBatch.PARENT_COUNT_ENCODABLE_MAX) {
            throw new IllegalArgumentException("parents is " + parents.length + " bytes, not up to "
                    + TransferBatch.PARENT_COUNT_ENCODABLE_MAX + " ids of 32 bytes");
        }
        if (memo.length > TransferBatch.MEMO_SIZE_ENCODABLE_MAX) {
            throw new IllegalArgumentException("memo is " + memo.length + " bytes, more than the encodable "
                    + TransferBatch.MEMO_SIZE_ENCODABLE_MAX);
        }
        if (id.length != TransferBatch.ID_SIZE) {
            throw new IllegalArgumentException("id is " + id.length + " bytes");
        }
        parents = parents.clone();
        memo = memo.clone();
        id = id.clone();
    }

    /** Item {@code index} of a batch (fields and {@code batch.id} set, e.g. by {@code Store.readTransfer}). */
    public static Transfer fromBatch(TransferBatch batch, int index) {
        int parentBytes = batch.parentCount[index] * TransferBatch.ID_SIZE;
        int idOffset = index * TransferBatch.ID_SIZE;
        return new Transfer(batch.sender[index], batch.receiver[index], batch.amount[index], batch.seq[index],
                batch.timestamp[index],
                Arrays.copyOfRange(batch.parents, batch.parentOffset[index], batch.parentOffset[index] + parentBytes),
                Arrays.copyOfRange(batch.memos, batch.memoOffset[index], batch.memoOffset[index] + batch.memoSize[index]),
                Arrays.copyOfRange(batch.id, idOffset, idOffset + TransferBatch.ID_SIZE));
    }

    public int parentCount() {
        return parents.length / TransferBatch.ID_SIZE;
    }

    @Override
    public byte[] parents() {
        return parents.clone();
    }

    @Override
    public byte[] memo() {
        return memo.clone();
    }

    @Override
    public byte[] id() {
        return id.clone();
    }

    /** SHA-256 of the canonical encoding of these fields (docs/transfers.md). */
    public byte[] computeId() {
        byte[] out = new byte[TransferBatch.ID_SIZE];
        new TransferIds().computeId(sender, receiver, amount, seq, timestamp, parents, 0, parentCount(),
                memo, 0, memo.length, out, 0);
        return out;
    }

    public boolean idRecomputes() {
        return MessageDigest.isEqual(computeId(), id);
    }

    /** The fields as docs/transfers.md writes them, without {@code id} (a proof carries it beside). */
    public String toJson() {
        return appendJson(new StringBuilder(160 + parents.length * 3 + memo.length * 2)).toString();
    }

    StringBuilder appendJson(StringBuilder json) {
        json.append("{\"sender\":").append(Long.toUnsignedString(sender))
                .append(",\"receiver\":").append(Long.toUnsignedString(receiver))
                .append(",\"amount\":").append(Long.toUnsignedString(amount))
                .append(",\"seq\":").append(Long.toUnsignedString(seq))
                .append(",\"timestamp\":").append(timestamp)
                .append(",\"parents\":[");
        for (int i = 0; i < parentCount(); i++) {
            JsonFields.appendHex(i == 0 ? json : json.append(','), parents, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
        }
        json.append("],\"memo\":\"");
        if (memo.length > 0) {
            JsonStringEncoder.getInstance().quoteAsString(new String(memo, StandardCharsets.UTF_8), json);
        }
        return json.append("\"}");
    }

    /** Reads {@link #toJson()}'s form strictly ({@code memo} optional); the id comes from beside it. */
    static Transfer fromJson(JsonNode node, byte[] id, String context) {
        JsonFields.requireExactly(node, FIELD_NAMES, context, Set.of("memo"));
        JsonNode parents = node.get("parents");
        if (!parents.isArray() || parents.size() > TransferBatch.PARENT_COUNT_ENCODABLE_MAX) {
            throw new IllegalArgumentException(context + ".parents is not an array of at most "
                    + TransferBatch.PARENT_COUNT_ENCODABLE_MAX + " ids");
        }
        byte[] parentBytes = new byte[parents.size() * TransferBatch.ID_SIZE];
        for (int i = 0; i < parents.size(); i++) {
            JsonNode parent = parents.get(i);
            String name = context + ".parents[" + i + "]";
            if (!parent.isTextual() || !Hex.decode(parent.textValue(), parentBytes, i * TransferBatch.ID_SIZE,
                    TransferBatch.ID_SIZE)) {
                throw new IllegalArgumentException(name + " is not 64 lowercase hex digits");
            }
        }
        byte[] memo = new byte[0];
        JsonNode memoNode = node.get("memo");
        if (memoNode != null) {
            if (!memoNode.isTextual()) {
                throw new IllegalArgumentException(context + ".memo is not a string");
            }
            memo = memoNode.textValue().getBytes(StandardCharsets.UTF_8);
            if (memo.length > TransferBatch.MEMO_SIZE_ENCODABLE_MAX) {
                throw new IllegalArgumentException(context + ".memo is " + memo.length + " bytes");
            }
        }
        return new Transfer(JsonFields.unsignedValue(node, "sender", context),
                JsonFields.unsignedValue(node, "receiver", context),
                JsonFields.unsignedValue(node, "amount", context),
                JsonFields.unsignedValue(node, "seq", context),
                JsonFields.longValue(node, "timestamp", Long.MIN_VALUE, context),
                parentBytes, memo, id);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transfer t && sender == t.sender && receiver == t.receiver && amount == t.amount
                && seq == t.seq && timestamp == t.timestamp && Arrays.equals(parents, t.parents)
                && Arrays.equals(memo, t.memo) && Arrays.equals(id, t.id);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(id);
    }

    @Override
    public String toString() {
        return "Transfer" + toJson() + " id=" + HexFormat.of().formatHex(id);
    }
}
