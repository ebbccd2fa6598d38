package omni.cluster;

import java.util.Arrays;

import omni.kernel.Hex;
import omni.kernel.TransferBatch;

/**
 * Items of a batch written again as NDJSON, one line each, for the owner they are forwarded to. Re-encoded from
 * the parsed fields rather than copied from the client's bytes: only items that passed the stateless checks are
 * forwarded, and a transfer's id is the hash of its fields (not of its JSON), so the owner computes the same id
 * from these lines and validates exactly the item this member checked; the lines are canonical (no whitespace,
 * no escapes but the ones JSON requires), so no line break of the client's can split one. The client's
 * {@code id} is left out: it matched the computed one (else id_mismatch, decided here).
 */
final class ItemLines {
    /**
     * The longest line: five 19-digit numbers, eight 64-hex parents, a 128-byte memo in which every byte is a
     * control character written as a 6-byte escape, and the keys and punctuation.
     */
    static final int LINE_SIZE_MAX = 5 * 19 + TransferBatch.PARENT_COUNT_MAX * 67
            + TransferBatch.MEMO_SIZE_MAX * 6 + 128;
    /** Room for about 500 small lines; grows on demand. */
    private static final int SIZE_INITIAL = 64 * 1024;

    private byte[] bytes = new byte[SIZE_INITIAL];
    private int size;

    byte[] bytes() {
        return bytes;
    }

    int size() {
        return size;
    }

    /** Appends item {@code i}, which passed the stateless checks (1 to 8 parents, a memo of at most 128 bytes). */
    void add(TransferBatch batch, int i) {
        if (batch.parentCount[i] > TransferBatch.PARENT_COUNT_MAX || batch.memoSize[i] > TransferBatch.MEMO_SIZE_MAX) {
            throw new IllegalStateException("item " + i + " did not pass the stateless checks: "
                    + batch.parentCount[i] + " parents, a memo of " + batch.memoSize[i] + " bytes");
        }
        if (size + LINE_SIZE_MAX > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(size + LINE_SIZE_MAX, bytes.length * 2));
        }
        int p = put(size, "{\"sender\":");
        p = put(p, Long.toString(batch.sender[i]));
        p = put(p, ",\"receiver\":");
        p = put(p, Long.toString(batch.receiver[i]));
        p = put(p, ",\"amount\":");
        p = put(p, Long.toString(batch.amount[i]));
        p = put(p, ",\"seq\":");
        p = put(p, Long.toString(batch.seq[i]));
        p = put(p, ",\"timestamp\":");
        p = put(p, Long.toString(batch.timestamp[i]));
        p = put(p, ",\"parents\":[");
        for (int k = 0; k < batch.parentCount[i]; k++) {
            p = put(p, k == 0 ? "\"" : ",\"");
            p = Hex.encode(batch.parents, batch.parentOffset[i] + k * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE,
                    bytes, p);
            bytes[p++] = '"';
        }
        bytes[p++] = ']';
        if (batch.memoSize[i] > 0) {
            p = put(p, ",\"memo\":\"");
            p = putMemo(batch.memos, batch.memoOffset[i], batch.memoSize[i], p);
            bytes[p++] = '"';
        }
        p = put(p, "}\n");
        size = p;
    }

    /** The memo's UTF-8 bytes as JSON string content: quote, backslash and control bytes escaped, the rest as is. */
    private int putMemo(byte[] memo, int from, int memoSize, int p) {
        for (int k = from; k < from + memoSize; k++) {
            int c = memo[k] & 0xff;
            if (c == '"' || c == '\\') {
                bytes[p++] = '\\';
                bytes[p++] = (byte) c;
            } else if (c < 0x20) {
                p = put(p, "\\u00");
                bytes[p++] = (byte) Character.forDigit(c >>> 4, 16);
                bytes[p++] = (byte) Character.forDigit(c & 0xf, 16);
            } else {
                bytes[p++] = (byte) c;
            }
        }
        return p;
    }

    private int put(int p, String ascii) {
        for (int k = 0; k < ascii.length(); k++) {
            bytes[p++] = (byte) ascii.charAt(k);
        }
        return p;
    }
}
