package omni.bus;

import omni.kernel.Hex;
import omni.kernel.TransferBatch;

import java.nio.charset.StandardCharsets;

/** Writes {@code {"firstPosition":f,"lastPosition":l,"count":n,"ids":["<64 hex>",...]}} straight into bytes. */
final class CommitJson {
    static final int ID_SIZE = TransferBatch.ID_SIZE;
    private static final byte[] FIRST = "{\"firstPosition\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST = ",\"lastPosition\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COUNT = ",\"count\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IDS = ",\"ids\":[".getBytes(StandardCharsets.US_ASCII);
    /** Quote, 64 hex digits, quote, comma. */
    private static final int ID_JSON_SIZE = 2 * ID_SIZE + 3;

    private CommitJson() {
    }

    static byte[] encode(long firstPosition, long lastPosition, byte[] ids) {
        int count = ids.length / ID_SIZE;
        if (count != lastPosition - firstPosition + 1) {
            throw new IllegalArgumentException(count + " ids for positions " + firstPosition + ".." + lastPosition);
        }
        byte[] first = ascii(firstPosition);
        byte[] last = ascii(lastPosition);
        byte[] countText = ascii(count);
        // Exact size: no trailing comma after the last id, then "]}".
        byte[] out = new byte[FIRST.length + first.length + LAST.length + last.length + COUNT.length + countText.length
                + IDS.length + count * ID_JSON_SIZE - 1 + 2];
        int at = put(out, 0, FIRST);
        at = put(out, at, first);
        at = put(out, at, LAST);
        at = put(out, at, last);
        at = put(out, at, COUNT);
        at = put(out, at, countText);
        at = put(out, at, IDS);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            out[at++] = '"';
            at = Hex.encode(ids, i * ID_SIZE, ID_SIZE, out, at);
            out[at++] = '"';
        }
        out[at++] = ']';
        out[at++] = '}';
        if (at != out.length) {
            throw new IllegalStateException("commit JSON size " + at + " != " + out.length);
        }
        return out;
    }

    private static int put(byte[] out, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    private static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
