package omni.gateway;

/**
 * Follows the framing of a chunked request body (RFC 9112 section 7.1) over the bytes as they arrive, to tell when the
 * last of it is in. OMNI's server takes no trailer fields, so the body ends with the CRLF after the last chunk.
 * Bytes that break the framing end the tracking: the server rejects such a body itself and closes the connection.
 */
final class ChunkedBodyEnd {
    // 15 hex digits are 2^60 bytes, far above any body the server accepts; more is malformed.
    private static final int SIZE_DIGITS_MAX = 15;

    private enum Step { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, LAST_CR, LAST_LF, DONE }

    private Step step = Step.SIZE;
    private long size;
    private int digits;

    /** Feeds {@code bytes[from, to)}; true once the body's last byte has been seen (or its framing is broken). */
    boolean feed(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && step != Step.DONE) {
            if (step == Step.DATA) {
                long take = Math.min(size, to - i);
                size -= take;
                i += (int) take;
                if (size == 0) {
                    step = Step.DATA_CR;
                }
                continue;
            }
            step = next(bytes[i++]);
        }
        return step == Step.DONE;
    }

    private Step next(byte b) {
        return switch (step) {
            case SIZE -> sizeByte(b);
            case EXTENSION -> b == '\r' ? Step.SIZE_LF : Step.EXTENSION;
            case SIZE_LF -> b != '\n' ? Step.DONE : size == 0 ? Step.LAST_CR : Step.DATA;
            case DATA_CR -> b == '\r' ? Step.DATA_LF : Step.DONE;
            case DATA_LF -> {
                if (b != '\n') {
                    yield Step.DONE;
                }
                digits = 0;
                yield Step.SIZE;
            }
            case LAST_CR -> b == '\r' ? Step.LAST_LF : Step.DONE;
            case LAST_LF, DATA, DONE -> Step.DONE;
        };
    }

    private Step sizeByte(byte b) {
        int digit = Character.digit(b, 16);
        if (digit >= 0 && digits < SIZE_DIGITS_MAX) {
            size = digits++ == 0 ? digit : size * 16 + digit;
            return Step.SIZE;
        }
        if (digits == 0) {
            return Step.DONE;
        }
        return switch (b) {
            case ';' -> Step.EXTENSION;
            case '\r' -> Step.SIZE_LF;
            default -> Step.DONE;
        };
    }
}
