package omni.ledger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferBatch;

/**
 * The answer an owner gives a member that forwarded it items ({@link LocalLedger#submitForwarded}), one entry
 * per forwarded item in the order sent: {@code {"results":[["accepted",17],["seq_gap",-1],["not_held",-1]]}}.
 * Unlike a client's answer it carries {@link Kernel#NOT_HELD} as {@code not_held} (the item was not decided: route
 * it again), and no ids, indexes or details: the forwarding member computed the ids itself, decided the malformed
 * items itself, and keeps the request's indexes. Written byte by byte like {@link SubmitAnswer}; read with a
 * streaming parser, which makes no object per entry beyond the result name.
 */
public final class ForwardedAnswer {
    /** The result name of an item the owner did not decide. */
    public static final String NOT_HELD_NAME = "not_held";
    /** The longest entry: brackets, quotes, the longest result name, a comma, a 19-digit position. */
    private static final int ENTRY_SIZE_MAX = 64;
    private static final JsonFactory JSON = new JsonFactory();
    private static final Map<String, Byte> CODES = new HashMap<>();
    private static final byte[][] NAMES = new byte[Result.values().length][];

    static {
        for (Result result : Result.values()) {
            CODES.put(result.wireName(), result.code());
            NAMES[result.ordinal()] = ("[\"" + result.wireName() + "\",").getBytes(StandardCharsets.US_ASCII);
        }
        CODES.put(NOT_HELD_NAME, Kernel.NOT_HELD);
    }

    private static final byte[] NOT_HELD_ENTRY = ("[\"" + NOT_HELD_NAME + "\",-1]").getBytes(StandardCharsets.US_ASCII);

    private ForwardedAnswer() {
    }

    /**
     * Writes the answer for {@code totalCount} forwarded items into {@code slot.response}: the first
     * {@code decidedCount} from {@code slot.batch} (a result each, or NOT_HELD where the engine left it), the rest
     * not held. Returns its size.
     */
    static int encode(BatchSlot slot, int decidedCount, int totalCount) {
        TransferBatch batch = slot.batch;
        slot.ensureResponseCapacity(32 + totalCount * ENTRY_SIZE_MAX);
        byte[] out = slot.response;
        int p = put(out, 0, "{\"results\":[");
        for (int i = 0; i < totalCount; i++) {
            if (i > 0) {
                out[p++] = ',';
            }
            int code = i < decidedCount ? batch.result[i] : Kernel.NOT_HELD;
            if (code == Kernel.NOT_HELD) {
                System.arraycopy(NOT_HELD_ENTRY, 0, out, p, NOT_HELD_ENTRY.length);
                p += NOT_HELD_ENTRY.length;
                continue;
            }
            byte[] name = NAMES[code];
            System.arraycopy(name, 0, out, p, name.length);
            p = put(out, p + name.length, Long.toString(batch.position[i]));
            out[p++] = ']';
        }
        return put(out, p, "]}");
    }

    /**
     * Reads an answer into {@code resultOut} and {@code positionOut} from index 0; returns the entry count.
     *
     * @throws IOException the bytes are not such an answer, or hold more than {@code resultOut.length} entries
     */
    public static int parse(byte[] json, int offset, int size, byte[] resultOut, long[] positionOut)
            throws IOException {
        try (JsonParser parser = JSON.createParser(json, offset, size)) {
            expect(parser.nextToken() == JsonToken.START_OBJECT && parser.nextToken() == JsonToken.FIELD_NAME
                    && "results".equals(parser.currentName()) && parser.nextToken() == JsonToken.START_ARRAY,
                    "an object with a results array");
            int count = 0;
            while (parser.nextToken() == JsonToken.START_ARRAY) {
                expect(count < resultOut.length, "at most " + resultOut.length + " entries");
                expect(parser.nextToken() == JsonToken.VALUE_STRING, "a result name");
                Byte code = CODES.get(parser.getText());
                expect(code != null, "a known result, not '" + parser.getText() + "'");
                expect(parser.nextToken() == JsonToken.VALUE_NUMBER_INT, "a position");
                resultOut[count] = code;
                positionOut[count] = parser.getLongValue();
                expect(parser.nextToken() == JsonToken.END_ARRAY, "an entry of two values");
                count++;
            }
            expect(parser.currentToken() == JsonToken.END_ARRAY && parser.nextToken() == JsonToken.END_OBJECT,
                    "the end of the results");
            return count;
        }
    }

    private static void expect(boolean condition, String what) throws IOException {
        if (!condition) {
            throw new IOException("a forwarded answer must hold " + what);
        }
    }

    private static int put(byte[] out, int p, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            out[p++] = (byte) ascii.charAt(i);
        }
        return p;
    }
}
