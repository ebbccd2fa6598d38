package omni.kernel;

import java.util.Arrays;

/**
 * Lowercase hex at the byte level, for the hot paths that read or write JSON straight in byte arrays (ingest,
 * the submit answer, the bus's commit messages, the bench client). Where a String is wanted, use
 * {@link java.util.HexFormat}; decoding stays here because OMNI accepts only lowercase digits, and
 * {@code HexFormat.parseHex} also takes uppercase.
 */
public final class Hex {
    private static final byte[] DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Value of each byte as a lowercase hex digit, -1 for every other byte: one load per digit. */
    private static final byte[] VALUES = new byte[256];

    static {
        Arrays.fill(VALUES, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            VALUES[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            VALUES[c] = (byte) (c - 'a' + 10);
        }
    }

    private Hex() {
    }

    /** Writes {@code length} bytes from {@code src[from]} as {@code 2 * length} digits at {@code out[at]}; returns the end. */
    public static int encode(byte[] src, int from, int length, byte[] out, int at) {
        int p = at;
        for (int i = from, end = from + length; i < end; i++) {
            int v = src[i] & 0xff;
            out[p++] = DIGITS[v >>> 4];
            out[p++] = DIGITS[v & 0xf];
        }
        return p;
    }

    /** Value of one lowercase hex digit, or -1 when {@code c} is not one (uppercase is not accepted). */
    private static int digit(int c) {
        return c >= 0 && c < VALUES.length ? VALUES[c] : -1;
    }

    /**
     * Decodes {@code 2 * length} lowercase hex digits at {@code src[from]} into {@code out[outOffset]}; false
     * (leaving {@code out} partly written) if any is not one. Branch-free over the digits: ingest calls it for
     * every id of every transfer.
     */
    public static boolean decode(byte[] src, int from, byte[] out, int outOffset, int length) {
        int invalid = 0;
        for (int k = 0; k < length; k++) {
            int hi = VALUES[src[from + 2 * k] & 0xff];
            int lo = VALUES[src[from + 2 * k + 1] & 0xff];
            invalid |= hi | lo;
            out[outOffset + k] = (byte) (hi << 4 | lo);
        }
        return invalid >= 0;
    }

    /**
     * Decodes lowercase hex into {@code out} at {@code outOffset}; returns false (leaving {@code out}
     * partly written) when the text is not exactly {@code 2 * length} lowercase hex digits.
     */
    public static boolean decode(CharSequence hex, byte[] out, int outOffset, int length) {
        if (hex.length() != 2 * length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int hi = digit(hex.charAt(2 * i));
            int lo = digit(hex.charAt(2 * i + 1));
            if ((hi | lo) < 0) {
                return false;
            }
            out[outOffset + i] = (byte) (hi << 4 | lo);
        }
        return true;
    }

    /** Decodes lowercase hex of any even length; throws IllegalArgumentException naming what is wrong. */
    public static byte[] decode(CharSequence hex) {
        if ((hex.length() & 1) != 0) {
            throw new IllegalArgumentException("hex has odd length " + hex.length());
        }
        byte[] out = new byte[hex.length() / 2];
        if (!decode(hex, out, 0, out.length)) {
            throw new IllegalArgumentException("not lowercase hex: " + hex);
        }
        return out;
    }
}
