package omni.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import omni.kernel.Result;
import omni.kernel.TransferBatch;

/**
 * The reader behind {@link JsonIngest}: one per parse call (a few hundred bytes), no allocation per item.
 * Syntax errors are returned as {@code false} and become UNPARSEABLE (or, in NDJSON, a MALFORMED line); an item
 * that is valid JSON of the wrong shape sets {@link #bad} and reading goes on to the item's end. The first
 * problem found in an item becomes its {@link MalformedDetail}; a syntax error replaces it, since it is the
 * problem that hides the rest.
 */
final class JsonItemReader {
    /**
     * Nesting allowed inside values that are skipped (unknown keys, non-object items); deeper is unparseable. A
     * transfer itself nests 2 deep (object, parents); 64 is ample for any value a client might send by mistake
     * and bounds the container stack to 64 booleans.
     */
    static final int NESTING_DEPTH_MAX = 64;
    private static final int KEY_SENDER = 0;
    private static final int KEY_RECEIVER = 1;
    private static final int KEY_AMOUNT = 2;
    private static final int KEY_SEQ = 3;
    private static final int KEY_TIMESTAMP = 4;
    private static final int KEY_PARENTS = 5;
    private static final int KEY_MEMO = 6;
    private static final int KEY_ID = 7;
    private static final int KEY_UNKNOWN = 8;
    private static final int KEY_SYNTAX = 9;
    private static final byte[][] KEY_NAMES = {
        ascii("sender"), ascii("receiver"), ascii("amount"), ascii("seq"), ascii("timestamp"), ascii("parents"),
        ascii("memo"), ascii("id")};
    /** The longest key name; a longer key is unknown without looking further. */
    private static final int KEY_SIZE_MAX = 9;
    private static final int REQUIRED_KEYS = (1 << KEY_SENDER) | (1 << KEY_RECEIVER) | (1 << KEY_AMOUNT)
            | (1 << KEY_SEQ) | (1 << KEY_TIMESTAMP) | (1 << KEY_PARENTS);
    private static final int HEX_ID_SIZE = 2 * TransferBatch.ID_SIZE;
    private static final int UNESCAPE_INVALID = -1;
    private static final int UNESCAPE_TOO_LONG = -2;
    private static final byte[] HEX_VALUE = new byte[256];
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        Arrays.fill(HEX_VALUE, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX_VALUE[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            HEX_VALUE[c] = (byte) (c - 'a' + 10);
        }
    }

    private final byte[] b;
    private final TransferBatch batch;
    private final byte[] keyScratch = new byte[KEY_SIZE_MAX];
    private final byte[] hexScratch = new byte[HEX_ID_SIZE];
    private final boolean[] containerIsObject = new boolean[NESTING_DEPTH_MAX];
    private int p;
    private int end;
    /** The current item is valid JSON of the wrong shape. */
    private boolean bad;
    private int itemParentsStart;
    private int itemMemosStart;
    /** The last string scanned: content range (quotes excluded) and whether it holds escapes. */
    private int stringStart;
    private int stringEnd;
    private boolean stringEscaped;
    /** Where {@link #stringContent} found the content: the body itself, or a scratch array. */
    private byte[] text;
    private int textFrom;
    private long number;

    JsonItemReader(byte[] body, TransferBatch batch) {
        this.b = body;
        this.batch = batch;
    }

    IngestOutcome readJson(int length) {
        p = 0;
        end = length;
        skipWhitespace();
        if (p == end) {
            return IngestOutcome.UNPARSEABLE;
        }
        if (b[p] == '{') {
            if (!readItem()) {
                return IngestOutcome.UNPARSEABLE;
            }
        } else if (b[p] == '[') {
            IngestOutcome outcome = readArray();
            if (outcome != IngestOutcome.OK) {
                return outcome;
            }
        } else {
            return IngestOutcome.UNPARSEABLE;
        }
        skipWhitespace();
        return p == end ? IngestOutcome.OK : IngestOutcome.UNPARSEABLE;
    }

    IngestOutcome readNdjson(int length) {
        int lineStart = 0;
        while (lineStart < length) {
            int lineEnd = indexOfNewline(b, lineStart, length);
            p = lineStart;
            end = lineEnd;
            skipWhitespace();
            if (p < end) {
                if (batch.count == TransferBatch.ITEM_COUNT_MAX) {
                    return IngestOutcome.TOO_MANY_ITEMS;
                }
                if (b[p] == '{') {
                    if (readItem()) {
                        skipWhitespace();
                        if (p != end) {
                            failItem(MalformedDetail.BYTES_AFTER_OBJECT);
                            endItem();
                        }
                    }
                } else {
                    beginItem();
                    failItem(MalformedDetail.NOT_AN_OBJECT);
                    endItem();
                }
            }
            lineStart = lineEnd + 1;
        }
        return batch.count == 0 ? IngestOutcome.UNPARSEABLE : IngestOutcome.OK;
    }

    /** First '\n' in [from, to), or to: eight bytes a step (the classic has-zero-byte test on b ^ '\n'). */
    static int indexOfNewline(byte[] a, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long w = (long) LONG_LE.get(a, i) ^ 0x0a0a0a0a0a0a0a0aL;
            long zeroBytes = (w - 0x0101010101010101L) & ~w & 0x8080808080808080L;
            if (zeroBytes != 0) {
                return i + (Long.numberOfTrailingZeros(zeroBytes) >>> 3);
            }
        }
        while (i < to && a[i] != '\n') {
            i++;
        }
        return i;
    }

    private IngestOutcome readArray() {
        p++;
        skipWhitespace();
        if (p < end && b[p] == ']') {
            p++;
            return IngestOutcome.OK;
        }
        while (true) {
            if (batch.count == TransferBatch.ITEM_COUNT_MAX) {
                return IngestOutcome.TOO_MANY_ITEMS;
            }
            if (p < end && b[p] == '{') {
                if (!readItem()) {
                    return IngestOutcome.UNPARSEABLE;
                }
            } else {
                beginItem();
                failItem(MalformedDetail.NOT_AN_OBJECT);
                boolean ok = skipValue();
                endItem();
                if (!ok) {
                    return IngestOutcome.UNPARSEABLE;
                }
            }
            skipWhitespace();
            if (p == end) {
                return IngestOutcome.UNPARSEABLE;
            }
            byte c = b[p++];
            if (c == ']') {
                return IngestOutcome.OK;
            }
            if (c != ',') {
                return IngestOutcome.UNPARSEABLE;
            }
            skipWhitespace();
        }
    }

    /** Reads one object at p as an item; false on a syntax error (the item is then MALFORMED). */
    private boolean readItem() {
        beginItem();
        boolean ok = readMembers(batch.count - 1);
        if (!ok) {
            failItem(MalformedDetail.NOT_JSON);
        }
        endItem();
        return ok;
    }

    private boolean readMembers(int i) {
        p++;
        skipWhitespace();
        int seen = 0;
        if (p < end && b[p] == '}') {
            p++;
            failMissing(seen);
            return true;
        }
        while (true) {
            if (p >= end || b[p] != '"') {
                return false;
            }
            int key = readKey();
            if (key == KEY_SYNTAX) {
                return false;
            }
            skipWhitespace();
            if (p >= end || b[p] != ':') {
                return false;
            }
            p++;
            skipWhitespace();
            if (p >= end) {
                return false;
            }
            if (key != KEY_UNKNOWN && (seen & (1 << key)) != 0) {
                fail(key, -1, MalformedDetail.TWICE);
                key = KEY_UNKNOWN;
            }
            if (key != KEY_UNKNOWN) {
                seen |= 1 << key;
            }
            if (!readValue(key, i)) {
                return false;
            }
            skipWhitespace();
            if (p >= end) {
                return false;
            }
            byte c = b[p++];
            if (c == '}') {
                break;
            }
            if (c != ',') {
                return false;
            }
            skipWhitespace();
        }
        if ((seen & REQUIRED_KEYS) != REQUIRED_KEYS) {
            failMissing(seen);
        }
        return true;
    }

    /** The first required key (in {@link #KEY_NAMES} order) not in {@code seen} is missing. */
    private void failMissing(int seen) {
        fail(Integer.numberOfTrailingZeros(REQUIRED_KEYS & ~seen), -1, MalformedDetail.MISSING);
    }

    /** Marks the current item bad; its first problem becomes the detail ("field: what", "field[index]: what"). */
    private void fail(int key, int index, byte[] what) {
        if (!bad) {
            bad = true;
            MalformedDetail.field(batch, batch.count - 1, KEY_NAMES[key], index, what);
        }
    }

    /**
     * Marks the current item bad for what it is as a whole; this replaces an earlier detail, since a line that is
     * not an object or not JSON is the problem worth naming.
     */
    private void failItem(byte[] what) {
        int i = batch.count - 1;
        if (bad) {
            batch.detailsSize = batch.detailOffset[i];
        }
        bad = true;
        MalformedDetail.item(batch, i, what);
    }

    private boolean readValue(int key, int i) {
        switch (key) {
            case KEY_PARENTS:
                return readParents(i);
            case KEY_MEMO:
                return readMemo(i);
            case KEY_ID:
                batch.idGiven[i] = true;
                return readHexId(batch.givenId, i * TransferBatch.ID_SIZE, KEY_ID, -1);
            case KEY_UNKNOWN:
                if (!bad) {
                    bad = true;
                    MalformedDetail.unknownField(batch, i, b, stringStart, stringEnd);
                }
                return skipValue();
            default:
                if (!readNumber(key)) {
                    return false;
                }
                storeNumber(key, i, number);
                return true;
        }
    }

    private void storeNumber(int key, int i, long value) {
        switch (key) {
            case KEY_SENDER -> batch.sender[i] = value;
            case KEY_RECEIVER -> batch.receiver[i] = value;
            case KEY_AMOUNT -> batch.amount[i] = value;
            case KEY_SEQ -> batch.seq[i] = value;
            case KEY_TIMESTAMP -> batch.timestamp[i] = value;
            default -> throw new IllegalStateException("not a number key: " + key);
        }
    }

    /** A plain integer in 0..2^63-1 into {@link #number}; any other value marks the item bad. */
    private boolean readNumber(int key) {
        byte c = b[p];
        if (!isNumberByte(c)) {
            fail(key, -1, MalformedDetail.NOT_A_NUMBER);
            return skipValue();
        }
        int start = p;
        while (p < end && isNumberByte(b[p])) {
            p++;
        }
        long value = 0;
        boolean valid = !(b[start] == '0' && p - start > 1);
        for (int k = start; k < p && valid; k++) {
            int digit = b[k] - '0';
            if (digit < 0 || digit > 9 || value > (Long.MAX_VALUE - digit) / 10) {
                valid = false;
            } else {
                value = value * 10 + digit;
            }
        }
        if (!valid) {
            fail(key, -1, numberProblem(b, start, p));
        }
        number = value;
        return true;
    }

    /** What is wrong with the number bytes {@code a[from, to)} that did not read as a plain integer. */
    private static byte[] numberProblem(byte[] a, int from, int to) {
        if (a[from] == '-') {
            return MalformedDetail.NEGATIVE;
        }
        if (a[from] == '+') {
            return MalformedDetail.PLUS_SIGN;
        }
        boolean digitsOnly = true;
        for (int k = from; k < to; k++) {
            if (a[k] == '.') {
                return MalformedDetail.FRACTION;
            }
            digitsOnly &= a[k] >= '0' && a[k] <= '9';
        }
        for (int k = from; k < to; k++) {
            if (a[k] == 'e' || a[k] == 'E') {
                return MalformedDetail.EXPONENT;
            }
        }
        if (!digitsOnly) {
            return MalformedDetail.NOT_A_NUMBER;
        }
        return a[from] == '0' ? MalformedDetail.LEADING_ZERO : MalformedDetail.ABOVE_MAX;
    }

    private boolean readParents(int i) {
        if (b[p] != '[') {
            fail(KEY_PARENTS, -1, MalformedDetail.NOT_AN_ARRAY);
            return skipValue();
        }
        p++;
        skipWhitespace();
        int count = 0;
        if (p < end && b[p] == ']') {
            p++;
            return true;
        }
        while (true) {
            if (p >= end) {
                return false;
            }
            if (count < TransferBatch.PARENT_COUNT_ENCODABLE_MAX && b[p] == '"') {
                int offset = batch.reserveParents(1);
                if (!readHexId(batch.parents, offset, KEY_PARENTS, count)) {
                    return false;
                }
            } else {
                if (count < TransferBatch.PARENT_COUNT_ENCODABLE_MAX) {
                    fail(KEY_PARENTS, count, MalformedDetail.NOT_A_STRING);
                } else {
                    fail(KEY_PARENTS, -1, MalformedDetail.TOO_MANY_PARENTS);
                }
                if (!skipValue()) {
                    return false;
                }
            }
            count++;
            skipWhitespace();
            if (p >= end) {
                return false;
            }
            byte c = b[p++];
            if (c == ']') {
                batch.parentCount[i] = Math.min(count, TransferBatch.PARENT_COUNT_ENCODABLE_MAX);
                return true;
            }
            if (c != ',') {
                return false;
            }
            skipWhitespace();
        }
    }

    /**
     * A string of 64 lowercase hex digits into 32 bytes at {@code out[offset]}; else the item is bad, the detail
     * naming {@code key} (and {@code index}, the place in parents, when not -1).
     */
    private boolean readHexId(byte[] out, int offset, int key, int index) {
        if (b[p] != '"') {
            fail(key, index, MalformedDetail.NOT_A_STRING);
            return skipValue();
        }
        if (decodePlainHexId(out, offset)) {
            return true;
        }
        if (!scanString()) {
            return false;
        }
        int size = stringContent(hexScratch, HEX_ID_SIZE);
        if (size != HEX_ID_SIZE || !decodeHex(text, textFrom, out, offset)) {
            fail(key, index, MalformedDetail.NOT_HEX_ID);
        }
        return true;
    }

    /** 64 lowercase hex digits at {@code src[from]} into 32 bytes; false (out partly written) if any is not one. */
    private static boolean decodeHex(byte[] src, int from, byte[] out, int offset) {
        int invalid = 0;
        for (int k = 0; k < TransferBatch.ID_SIZE; k++) {
            int hi = HEX_VALUE[src[from + 2 * k] & 0xff];
            int lo = HEX_VALUE[src[from + 2 * k + 1] & 0xff];
            invalid |= hi | lo;
            out[offset + k] = (byte) (hi << 4 | lo);
        }
        return invalid >= 0;
    }

    /**
     * The content of the string just scanned: in place, or unescaped into {@code scratch} when it holds escapes.
     * Sets {@link #text} and {@link #textFrom}; returns the size, negative when it does not unescape into
     * {@code sizeMax} bytes.
     */
    private int stringContent(byte[] scratch, int sizeMax) {
        if (!stringEscaped) {
            text = b;
            textFrom = stringStart;
            return stringEnd - stringStart;
        }
        text = scratch;
        textFrom = 0;
        return unescape(b, stringStart, stringEnd, scratch, 0, sizeMax);
    }

    /**
     * The common case in one pass: a quote, 64 lowercase hex digits, a quote. Anything else (escapes, other
     * lengths, other digits) returns false, leaving p unchanged for the general path.
     */
    private boolean decodePlainHexId(byte[] out, int offset) {
        if (p + HEX_ID_SIZE + 2 > end || b[p + HEX_ID_SIZE + 1] != '"' || !decodeHex(b, p + 1, out, offset)) {
            return false;
        }
        p += HEX_ID_SIZE + 2;
        return true;
    }

    private boolean readMemo(int i) {
        if (b[p] != '"') {
            fail(KEY_MEMO, -1, MalformedDetail.NOT_A_STRING);
            return skipValue();
        }
        if (!scanString()) {
            return false;
        }
        int rawSize = stringEnd - stringStart;
        // Unescaping never lengthens: "\\uXXXX" (6 bytes) gives at most 3, a surrogate pair (12) gives 4.
        int offset = batch.reserveMemo(rawSize);
        int size = rawSize;
        if (stringEscaped) {
            size = unescape(b, stringStart, stringEnd, batch.memos, offset, rawSize);
            batch.memosSize = offset + Math.max(size, 0);
        } else {
            System.arraycopy(b, stringStart, batch.memos, offset, rawSize);
        }
        byte[] problem = size < 0 ? MalformedDetail.LONE_SURROGATE
                : size > TransferBatch.MEMO_SIZE_ENCODABLE_MAX ? MalformedDetail.MEMO_TOO_LONG
                : !Utf8.isValid(batch.memos, offset, offset + size) ? MalformedDetail.NOT_UTF8 : null;
        if (problem != null) {
            fail(KEY_MEMO, -1, problem);
            return true;
        }
        batch.memoOffset[i] = offset;
        batch.memoSize[i] = size;
        return true;
    }

    private int readKey() {
        if (!scanString()) {
            return KEY_SYNTAX;
        }
        int size = stringContent(keyScratch, KEY_SIZE_MAX);
        return keyOf(text, textFrom, size);
    }

    /** Picks the one candidate by size and first byte, then compares it whole. */
    private static int keyOf(byte[] src, int from, int size) {
        int key = switch (size) {
            case 2 -> KEY_ID;
            case 3 -> KEY_SEQ;
            case 4 -> KEY_MEMO;
            case 6 -> src[from] == 's' ? KEY_SENDER : KEY_AMOUNT;
            case 7 -> KEY_PARENTS;
            case 8 -> KEY_RECEIVER;
            case 9 -> KEY_TIMESTAMP;
            default -> KEY_UNKNOWN;
        };
        if (key == KEY_UNKNOWN || !Arrays.equals(KEY_NAMES[key], 0, size, src, from, from + size)) {
            return KEY_UNKNOWN;
        }
        return key;
    }

    private void beginItem() {
        int i = batch.count++;
        itemParentsStart = batch.parentsSize;
        itemMemosStart = batch.memosSize;
        batch.sender[i] = 0;
        batch.receiver[i] = 0;
        batch.amount[i] = 0;
        batch.seq[i] = 0;
        batch.timestamp[i] = 0;
        batch.parentCount[i] = 0;
        batch.parentOffset[i] = itemParentsStart;
        batch.memoSize[i] = 0;
        batch.memoOffset[i] = itemMemosStart;
        batch.idGiven[i] = false;
        batch.position[i] = -1;
        batch.result[i] = Result.ACCEPTED.code();
        batch.detailSize[i] = 0;
        bad = false;
    }

    /** Ends the last item; a bad one becomes MALFORMED and gives back the parent and memo space it took. */
    private void endItem() {
        if (bad) {
            int i = batch.count - 1;
            batch.result[i] = Result.MALFORMED.code();
            batch.parentCount[i] = 0;
            batch.memoSize[i] = 0;
            batch.idGiven[i] = false;
            batch.parentsSize = itemParentsStart;
            batch.memosSize = itemMemosStart;
        }
    }

    // ---- syntax ----

    private void skipWhitespace() {
        while (p < end) {
            byte c = b[p];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            p++;
        }
    }

    private static boolean isNumberByte(byte c) {
        return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    }

    /** Scans the string at p (at its opening quote); sets the string fields; p ends after the closing quote. */
    private boolean scanString() {
        p++;
        stringStart = p;
        stringEscaped = false;
        while (p < end) {
            byte c = b[p];
            if (c == '"') {
                stringEnd = p++;
                return true;
            }
            if (c == '\\') {
                stringEscaped = true;
                if (!skipEscape()) {
                    return false;
                }
            } else if ((c & 0xff) < 0x20) {
                return false;
            } else {
                p++;
            }
        }
        return false;
    }

    private boolean skipEscape() {
        if (p + 1 >= end) {
            return false;
        }
        byte e = b[p + 1];
        if (e == 'u') {
            if (p + 6 > end || hex4(b, p + 2) < 0) {
                return false;
            }
            p += 6;
            return true;
        }
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
            p += 2;
            return true;
        }
        return false;
    }

    /** Skips any JSON value at p without recursion (depth bounded by {@link #NESTING_DEPTH_MAX}). */
    private boolean skipValue() {
        int depth = 0;
        while (true) {
            skipWhitespace();
            if (p >= end) {
                return false;
            }
            byte c = b[p];
            boolean complete = true;
            if (c == '{' || c == '[') {
                if (depth == NESTING_DEPTH_MAX) {
                    return false;
                }
                containerIsObject[depth++] = c == '{';
                p++;
                skipWhitespace();
                if (p < end && b[p] == (c == '{' ? '}' : ']')) {
                    p++;
                    depth--;
                } else {
                    complete = false;
                    if (c == '{' && !skipKeyAndColon()) {
                        return false;
                    }
                }
            } else if (!skipScalar()) {
                return false;
            }
            if (complete) {
                int after = afterValue(depth);
                if (after < 0) {
                    return after == -1;
                }
                depth = after;
            }
        }
    }

    /**
     * After a complete value inside {@code depth} open containers: closes containers and consumes one separator.
     * Returns the depth at which the next value starts, -1 when the outermost value is done, -2 on a syntax error.
     */
    private int afterValue(int depth) {
        while (depth > 0) {
            skipWhitespace();
            if (p >= end) {
                return -2;
            }
            byte c = b[p++];
            boolean object = containerIsObject[depth - 1];
            if (c == ',') {
                return !object || skipKeyAndColon() ? depth : -2;
            }
            if (c != (object ? '}' : ']')) {
                return -2;
            }
            depth--;
        }
        return -1;
    }

    private boolean skipKeyAndColon() {
        skipWhitespace();
        if (p >= end || b[p] != '"' || !scanString()) {
            return false;
        }
        skipWhitespace();
        if (p >= end || b[p] != ':') {
            return false;
        }
        p++;
        return true;
    }

    private boolean skipScalar() {
        byte c = b[p];
        if (c == '"') {
            return scanString();
        }
        if (c == 't') {
            return skipLiteral("true");
        }
        if (c == 'f') {
            return skipLiteral("false");
        }
        if (c == 'n') {
            return skipLiteral("null");
        }
        if (!isNumberByte(c)) {
            return false;
        }
        while (p < end && isNumberByte(b[p])) {
            p++;
        }
        return true;
    }

    private boolean skipLiteral(String literal) {
        if (p + literal.length() > end) {
            return false;
        }
        for (int k = 0; k < literal.length(); k++) {
            if (b[p + k] != literal.charAt(k)) {
                return false;
            }
        }
        p += literal.length();
        return true;
    }

    /** Value of four hex digits (either case, as JSON escapes allow), or -1. */
    private static int hex4(byte[] a, int at) {
        int value = 0;
        for (int k = 0; k < 4; k++) {
            int c = a[at + k];
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (digit < 0) {
                return -1;
            }
            value = value << 4 | digit;
        }
        return value;
    }

    /**
     * Unescapes a scanned string (escapes already checked) into {@code out} as UTF-8; returns the size, or
     * {@link #UNESCAPE_INVALID} for a lone surrogate, or {@link #UNESCAPE_TOO_LONG} beyond {@code sizeMax}.
     */
    private static int unescape(byte[] src, int from, int to, byte[] out, int outOffset, int sizeMax) {
        int o = outOffset;
        int limit = outOffset + sizeMax;
        int k = from;
        while (k < to) {
            int codePoint;
            if (src[k] != '\\') {
                if (o == limit) {
                    return UNESCAPE_TOO_LONG;
                }
                out[o++] = src[k++];
                continue;
            }
            byte e = src[k + 1];
            if (e == 'u') {
                codePoint = hex4(src, k + 2);
                k += 6;
                if (codePoint >= 0xDC00 && codePoint <= 0xDFFF) {
                    return UNESCAPE_INVALID;
                }
                if (codePoint >= 0xD800 && codePoint <= 0xDBFF) {
                    int low = k + 6 <= to && src[k] == '\\' && src[k + 1] == 'u' ? hex4(src, k + 2) : -1;
                    if (low < 0xDC00 || low > 0xDFFF) {
                        return UNESCAPE_INVALID;
                    }
                    codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00);
                    k += 6;
                }
            } else {
                codePoint = switch (e) {
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    default -> e;
                };
                k += 2;
            }
            o = Utf8.encode(codePoint, out, o, limit);
            if (o < 0) {
                return UNESCAPE_TOO_LONG;
            }
        }
        return o - outOffset;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
