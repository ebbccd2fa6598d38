package omni.kernel;

/** Lowercase hexadecimal, as SPEC section 3 writes ids and section 7 writes every byte string. */
public final class Hex {
    private static final byte[] DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Hex() {
    }

    public static String encode(byte[] bytes) {
        return encode(bytes, 0, bytes.length);
    }

    public static String encode(byte[] bytes, int offset, int length) {
        byte[] out = new byte[length * 2];
        for (int i = 0; i < length; i++) {
            int b = bytes[offset + i] & 0xff;
            out[2 * i] = DIGITS[b >>> 4];
            out[2 * i + 1] = DIGITS[b & 0xf];
        }
        return new String(out, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Value of one lowercase hex digit, or -1 when {@code c} is not one (uppercase is not accepted). */
    public static int digit(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
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
