package omni.ingest;

/** UTF-8 checks and encoding on byte arrays, without Strings. */
final class Utf8 {
    private Utf8() {
    }

    /** Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
    static boolean isValid(byte[] a, int from, int to) {
        int i = from;
        while (i < to) {
            int c = a[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int size;
            int secondMin = 0x80;
            int secondMax = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                size = 2;
            } else if (c >= 0xe0 && c <= 0xef) {
                size = 3;
                secondMin = c == 0xe0 ? 0xa0 : 0x80;
                secondMax = c == 0xed ? 0x9f : 0xbf;
            } else if (c >= 0xf0 && c <= 0xf4) {
                size = 4;
                secondMin = c == 0xf0 ? 0x90 : 0x80;
                secondMax = c == 0xf4 ? 0x8f : 0xbf;
            } else {
                return false;
            }
            if (i + size > to) {
                return false;
            }
            int second = a[i + 1] & 0xff;
            if (second < secondMin || second > secondMax) {
                return false;
            }
            for (int k = 2; k < size; k++) {
                if ((a[i + k] & 0xc0) != 0x80) {
                    return false;
                }
            }
            i += size;
        }
        return true;
    }

    /** Writes {@code codePoint} at {@code o}; returns the next offset, or -1 if it would pass {@code limit}. */
    static int encode(int codePoint, byte[] out, int o, int limit) {
        if (codePoint < 0x80) {
            if (o + 1 > limit) {
                return -1;
            }
            out[o] = (byte) codePoint;
            return o + 1;
        }
        if (codePoint < 0x800) {
            if (o + 2 > limit) {
                return -1;
            }
            out[o] = (byte) (0xc0 | codePoint >>> 6);
            out[o + 1] = (byte) (0x80 | codePoint & 0x3f);
            return o + 2;
        }
        if (codePoint < 0x10000) {
            if (o + 3 > limit) {
                return -1;
            }
            out[o] = (byte) (0xe0 | codePoint >>> 12);
            out[o + 1] = (byte) (0x80 | codePoint >>> 6 & 0x3f);
            out[o + 2] = (byte) (0x80 | codePoint & 0x3f);
            return o + 3;
        }
        if (o + 4 > limit) {
            return -1;
        }
        out[o] = (byte) (0xf0 | codePoint >>> 18);
        out[o + 1] = (byte) (0x80 | codePoint >>> 12 & 0x3f);
        out[o + 2] = (byte) (0x80 | codePoint >>> 6 & 0x3f);
        out[o + 3] = (byte) (0x80 | codePoint & 0x3f);
        return o + 4;
    }
}
