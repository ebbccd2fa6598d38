package omni.ingest;

import omni.kernel.TransferBatch;

/**
 * Request body bytes to a {@link TransferBatch}: a hand-written byte-level JSON reader that writes numbers, ids,
 * parents and memos straight into the batch's arrays, with no object or String per transfer.
 *
 * <p>Framing: a JSON body is one object or an array of items; anything else, broken syntax, a truncated array or
 * trailing bytes make it UNPARSEABLE, since the item boundaries are then unknown. In NDJSON each non-blank line
 * is one item, framed by the line, so a line that is not a JSON object is one MALFORMED item and the next line
 * is read on. A body with no item at all (empty or only whitespace) is UNPARSEABLE; {@code []} is zero items.
 *
 * <p>Items: exactly the keys of docs/transfers.md (sender, receiver, amount, seq, timestamp, parents required; memo
 * and id optional), each once; numbers are plain non-negative integers up to 2^63-1 (no sign, fraction,
 * exponent or leading zero); ids and parents are 64 lowercase hex digits; memo is a string, counted in UTF-8
 * bytes after unescaping. Anything else makes that item MALFORMED. A memo over 128 bytes and a parent count of
 * 0 or over 8 are kept for the validator to reject by name, unless the canonical encoding cannot hold them
 * (memo over 65,535 bytes, over 255 parents): MALFORMED.
 *
 * <p>Every MALFORMED item gets a short detail naming the field and what was wrong ("amount: a fraction",
 * "parents[2]: not 64 lowercase hex", "unknown field 'foo'"), which the answer carries as {@code detail}.
 */
public final class JsonIngest {
    private JsonIngest() {
    }

    /**
     * Parses a JSON object, a JSON array of objects, or NDJSON (ndjson=true) into batch (cleared first). Bad
     * items -> result MALFORMED, others ACCEPTED (pending validation).
     */
    public static IngestOutcome parse(byte[] body, int length, boolean ndjson, TransferBatch batch) {
        if (length < 0 || length > body.length) {
            throw new IllegalArgumentException("length " + length + " outside body of " + body.length + " bytes");
        }
        batch.clear();
        JsonItemReader reader = new JsonItemReader(body, batch);
        return ndjson ? reader.readNdjson(length) : reader.readJson(length);
    }

    /**
     * Writes {@code ,"detail":"..."} into {@code out} at {@code p} when item {@code i} is one that ingest found
     * malformed, nothing otherwise; returns the offset after it. At most 12 + {@link TransferBatch#DETAIL_SIZE_MAX}
     * bytes.
     */
    public static int putDetail(TransferBatch batch, int i, byte[] out, int p) {
        return MalformedDetail.putField(batch, i, out, p);
    }
}
