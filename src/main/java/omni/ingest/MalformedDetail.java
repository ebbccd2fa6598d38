package omni.ingest;

import java.nio.charset.StandardCharsets;

import omni.kernel.Result;
import omni.kernel.TransferBatch;

/**
 * The short {@code detail} of a malformed item ("amount: a fraction", "parents[2]: not 64 lowercase hex",
 * "unknown field 'foo'"), written as escaped JSON string content into the batch's detail table. Only malformed
 * items get one, so a valid item costs nothing here. At most {@link #ECHO_SIZE_MAX} bytes of the input are
 * echoed, and the whole detail stays within {@link TransferBatch#DETAIL_SIZE_MAX}.
 */
final class MalformedDetail {
    /**
     * Escaped bytes of input a detail may echo (an unknown field's name): enough to recognise a typo, too few to
     * reflect a payload. Counted after escaping, so no more than this many input bytes are ever echoed.
     */
    static final int ECHO_SIZE_MAX = 64;
    static final byte[] NOT_AN_OBJECT = ascii("not a JSON object");
    static final byte[] NOT_JSON = ascii("not valid JSON");
    static final byte[] BYTES_AFTER_OBJECT = ascii("bytes after the object");
    static final byte[] MISSING = ascii("missing");
    static final byte[] TWICE = ascii("given twice");
    static final byte[] NOT_A_NUMBER = ascii("not a number");
    static final byte[] NEGATIVE = ascii("negative");
    static final byte[] PLUS_SIGN = ascii("a plus sign");
    static final byte[] FRACTION = ascii("a fraction");
    static final byte[] EXPONENT = ascii("an exponent");
    static final byte[] LEADING_ZERO = ascii("a leading zero");
    static final byte[] ABOVE_MAX = ascii("above 2^63-1");
    static final byte[] NOT_AN_ARRAY = ascii("not an array");
    static final byte[] NOT_A_STRING = ascii("not a string");
    static final byte[] NOT_HEX_ID = ascii("not 64 lowercase hex");
    static final byte[] TOO_MANY_PARENTS = ascii("more than " + TransferBatch.PARENT_COUNT_ENCODABLE_MAX);
    static final byte[] MEMO_TOO_LONG = ascii("over " + TransferBatch.MEMO_SIZE_ENCODABLE_MAX + " bytes");
    static final byte[] LONE_SURROGATE = ascii("a lone surrogate escape");
    static final byte[] NOT_UTF8 = ascii("not valid UTF-8");
    private static final byte[] UNKNOWN_FIELD = ascii("unknown field '");
    private static final byte[] TRUNCATED = ascii("...");
    private static final byte[] DETAIL_FIELD = ascii(",\"detail\":\"");
    private static final byte[] REPLACEMENT = ascii("\\ufffd");
    private static final byte[] HEX = ascii("0123456789abcdef");

    private MalformedDetail() {
    }

    /** Item {@code i}'s detail: "field: what", or "field[index]: what" when {@code index >= 0}. */
    static void field(TransferBatch batch, int i, byte[] field, int index, byte[] what) {
        int start = batch.reserveDetail();
        byte[] out = batch.details;
        int o = put(out, start, field);
        if (index >= 0) {
            out[o++] = '[';
            o = putInt(out, o, index);
            out[o++] = ']';
        }
        out[o++] = ':';
        out[o++] = ' ';
        finish(batch, i, start, put(out, o, what));
    }

    /** Item {@code i}'s detail about the item as a whole. */
    static void item(TransferBatch batch, int i, byte[] what) {
        int start = batch.reserveDetail();
        finish(batch, i, start, put(batch.details, start, what));
    }

    /** "unknown field 'name'", the name echoed from {@code src[from, to)} as the client wrote it, escaped. */
    static void unknownField(TransferBatch batch, int i, byte[] src, int from, int to) {
        int start = batch.reserveDetail();
        byte[] out = batch.details;
        int o = echo(src, from, to, out, put(out, start, UNKNOWN_FIELD));
        out[o++] = '\'';
        finish(batch, i, start, o);
    }

    /** Writes {@code ,"detail":"..."} for a malformed item that has a detail; nothing for any other item. */
    static int putField(TransferBatch batch, int i, byte[] out, int p) {
        int size = batch.detailSize[i];
        if (batch.result[i] != Result.MALFORMED.code() || size == 0) {
            return p;
        }
        int o = put(out, p, DETAIL_FIELD);
        System.arraycopy(batch.details, batch.detailOffset[i], out, o, size);
        o += size;
        out[o++] = '"';
        return o;
    }

    private static void finish(TransferBatch batch, int i, int start, int end) {
        int size = end - start;
        if (size <= 0 || size > TransferBatch.DETAIL_SIZE_MAX) {
            throw new IllegalStateException("detail of item " + i + " is " + size + " bytes");
        }
        batch.detailOffset[i] = start;
        batch.detailSize[i] = (byte) size;
        batch.detailsSize = end;
    }

    /**
     * Copies {@code src[from, to)} escaped for a JSON string into {@code out} at {@code o}, within
     * {@link #ECHO_SIZE_MAX} escaped bytes ("..." marks a cut). Quote and backslash are escaped, control bytes
     * become six-byte u00XX escapes, well-formed UTF-8 is kept and any other byte becomes U+FFFD, so the answer stays
     * valid JSON in UTF-8 whatever the client sent.
     */
    static int echo(byte[] src, int from, int to, byte[] out, int o) {
        int limit = o + ECHO_SIZE_MAX;
        int k = from;
        while (k < to) {
            int c = src[k] & 0xff;
            int take = 1;
            int size;
            if (c == '"' || c == '\\') {
                size = 2;
            } else if (c >= 0x20 && c < 0x7f) {
                size = 1;
            } else if (c < 0x80) {
                size = 6;
            } else {
                take = utf8SequenceSize(src, k, to);
                size = take == 0 ? REPLACEMENT.length : take;
            }
            if (o + size > limit) {
                return put(out, o, TRUNCATED);
            }
            if (c == '"' || c == '\\') {
                out[o++] = '\\';
                out[o++] = (byte) c;
            } else if (size == 6 && c < 0x80) {
                out[o++] = '\\';
                out[o++] = 'u';
                out[o++] = '0';
                out[o++] = '0';
                out[o++] = HEX[c >>> 4];
                out[o++] = HEX[c & 0xf];
            } else if (take == 0) {
                o = put(out, o, REPLACEMENT);
                take = 1;
            } else {
                System.arraycopy(src, k, out, o, take);
                o += take;
            }
            k += take;
        }
        return o;
    }

    /** Size of the well-formed UTF-8 sequence at {@code src[k]} that ends by {@code to}, or 0. */
    private static int utf8SequenceSize(byte[] src, int k, int to) {
        int c = src[k] & 0xff;
        int size = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        return size > 0 && k + size <= to && Utf8.isValid(src, k, k + size) ? size : 0;
    }

    private static int put(byte[] out, int o, byte[] ascii) {
        System.arraycopy(ascii, 0, out, o, ascii.length);
        return o + ascii.length;
    }

    private static int putInt(byte[] out, int o, int value) {
        int digits = 1;
        for (int v = value / 10; v != 0; v /= 10) {
            digits++;
        }
        for (int k = o + digits - 1; k >= o; k--) {
            out[k] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return o + digits;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
