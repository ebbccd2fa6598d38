package omni.ledger;

import java.nio.charset.StandardCharsets;

import omni.ingest.JsonIngest;
import omni.kernel.Hex;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferBatch;

/**
 * The answer of a submit, {@code {"accepted":n,"rejected":m,"results":[...]}}, written byte by byte into the
 * slot's reused response buffer: no object per transfer, since a request may hold 10,000 of them. Written by
 * {@link LocalLedger} and by a cluster member that forwarded the items to their owners and gathered the results
 * into its own slot; either way every item holds a {@link Result}: the internal {@link Kernel#NOT_HELD} never
 * reaches a client.
 */
public final class SubmitAnswer {
    private static final byte[][] RESULT_FIELDS = new byte[Result.values().length][];
    /** The longest item of the answer: index, 64-hex id, longest result name, position, punctuation. */
    private static final int RESPONSE_ITEM_SIZE_MAX = 200;

    static {
        for (Result result : Result.values()) {
            RESULT_FIELDS[result.ordinal()] = (",\"result\":\"" + result.wireName() + "\"")
                    .getBytes(StandardCharsets.US_ASCII);
        }
    }

    private SubmitAnswer() {
    }

    /**
     * Writes the answer into {@code slot.response}; returns its size. {@code accepted} counts the successes
     * (accepted and exists), so accepted + rejected is the item count. Items have {@code id} unless malformed,
     * and {@code position} when they succeeded.
     */
    public static int encode(BatchSlot slot) {
        TransferBatch batch = slot.batch;
        slot.ensureResponseCapacity(64 + batch.count * RESPONSE_ITEM_SIZE_MAX);
        byte[] out = slot.response;
        int successCount = slot.count(Result.ACCEPTED) + slot.count(Result.EXISTS);
        int p = put(out, 0, "{\"accepted\":");
        p = putLong(out, p, successCount);
        p = put(out, p, ",\"rejected\":");
        p = putLong(out, p, batch.count - successCount);
        p = put(out, p, ",\"results\":[");
        for (int i = 0; i < batch.count; i++) {
            p = encodeItem(batch, i, out, i == 0 ? p : put(out, p, ","));
        }
        return put(out, p, "]}");
    }

    private static int encodeItem(TransferBatch batch, int i, byte[] out, int p) {
        int code = batch.result[i];
        if (code < 0 || code >= RESULT_FIELDS.length) {
            throw new IllegalStateException("item " + i + " has the internal result " + code + " in a client answer");
        }
        p = put(out, p, "{\"index\":");
        p = putLong(out, p, i);
        if (code != Result.MALFORMED.code()) {
            p = put(out, p, ",\"id\":\"");
            p = Hex.encode(batch.id, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE, out, p);
            out[p++] = '"';
        }
        byte[] resultField = RESULT_FIELDS[code];
        System.arraycopy(resultField, 0, out, p, resultField.length);
        p += resultField.length;
        p = JsonIngest.putDetail(batch, i, out, p);
        if (code == Result.ACCEPTED.code() || code == Result.EXISTS.code()) {
            p = put(out, p, ",\"position\":");
            p = putLong(out, p, batch.position[i]);
        }
        out[p++] = '}';
        return p;
    }

    private static int put(byte[] out, int p, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            out[p++] = (byte) ascii.charAt(i);
        }
        return p;
    }

    /** Writes a non-negative long in decimal. */
    private static int putLong(byte[] out, int p, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative number in a transaction answer: " + value);
        }
        int digits = 1;
        for (long v = value / 10; v != 0; v /= 10) {
            digits++;
        }
        for (int i = p + digits - 1; i >= p; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return p + digits;
    }
}
