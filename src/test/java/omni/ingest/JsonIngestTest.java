package omni.ingest;

import java.nio.charset.StandardCharsets;
import java.util.List;

import omni.kernel.Result;
import omni.kernel.TransferBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonIngestTest {
    static final String P1 = "11".repeat(32);
    static final String P2 = "2f".repeat(32);
    static final String VALID = "{\"sender\":42,\"receiver\":7,\"amount\":1500,\"seq\":3,\"timestamp\":1764130000000,"
            + "\"parents\":[\"" + P1 + "\",\"" + P2 + "\"]}";

    static TransferBatch batch = new TransferBatch();

    static IngestOutcome parse(String body, boolean ndjson) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return JsonIngest.parse(bytes, bytes.length, ndjson, batch);
    }

    /** Item i's detail as written into the answer: escaped JSON string content. */
    static String detail(int i) {
        return new String(batch.details, batch.detailOffset[i], batch.detailSize[i], StandardCharsets.UTF_8);
    }

    /** {@code item} with a key's value replaced, removed (value null) or added. */
    static String with(String key, String value) {
        String base = VALID.substring(1, VALID.length() - 1);
        StringBuilder out = new StringBuilder("{");
        boolean replaced = false;
        for (String member : base.split(",(?=\"[a-z]+\":)")) {
            if (member.startsWith("\"" + key + "\":")) {
                replaced = true;
                if (value != null) {
                    out.append(out.length() > 1 ? "," : "").append('"').append(key).append("\":").append(value);
                }
            } else {
                out.append(out.length() > 1 ? "," : "").append(member);
            }
        }
        if (!replaced && value != null) {
            out.append(",\"").append(key).append("\":").append(value);
        }
        return out.append('}').toString();
    }

    /** A malformed item and the detail its result must carry. */
    record Bad(String name, String item, String detail) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Bad> malformedItems() {
        return List.of(
            new Bad("duplicate key", VALID.replace("{", "{\"seq\":3,"), "seq: given twice"),
            new Bad("unknown key", with("extra", "1"), "unknown field 'extra'"),
            new Bad("missing sender", with("sender", null), "sender: missing"),
            new Bad("missing receiver", with("receiver", null), "receiver: missing"),
            new Bad("missing amount", with("amount", null), "amount: missing"),
            new Bad("missing seq", with("seq", null), "seq: missing"),
            new Bad("missing timestamp", with("timestamp", null), "timestamp: missing"),
            new Bad("missing parents", with("parents", null), "parents: missing"),
            new Bad("string where a number belongs", with("sender", "\"42\""), "sender: not a number"),
            new Bad("boolean where a number belongs", with("amount", "true"), "amount: not a number"),
            new Bad("null where a number belongs", with("amount", "null"), "amount: not a number"),
            new Bad("object where a number belongs", with("seq", "{\"a\":[1,{}]}"), "seq: not a number"),
            new Bad("negative number", with("amount", "-1"), "amount: negative"),
            new Bad("minus zero", with("amount", "-0"), "amount: negative"),
            new Bad("2^63", with("amount", "9223372036854775808"), "amount: above 2^63-1"),
            new Bad("far beyond 2^63", with("timestamp", "123456789012345678901234567890"), "timestamp: above 2^63-1"),
            new Bad("fraction", with("amount", "1.5"), "amount: a fraction"),
            new Bad("fraction of zero digits", with("amount", "1.0"), "amount: a fraction"),
            new Bad("exponent", with("amount", "1e3"), "amount: an exponent"),
            new Bad("capital exponent", with("amount", "1E3"), "amount: an exponent"),
            new Bad("leading zero", with("amount", "01"), "amount: a leading zero"),
            new Bad("plus sign", with("amount", "+1"), "amount: a plus sign"),
            new Bad("parents not an array", with("parents", "\"" + P1 + "\""), "parents: not an array"),
            new Bad("parent a number", with("parents", "[1]"), "parents[0]: not a string"),
            new Bad("parent uppercase hex", with("parents", "[\"" + P1.toUpperCase().replace('1', 'A') + "\"]"), "parents[0]: not 64 lowercase hex"),
            new Bad("parent 63 digits", with("parents", "[\"" + P1.substring(1) + "\"]"), "parents[0]: not 64 lowercase hex"),
            new Bad("parent 65 digits", with("parents", "[\"" + P1 + "1\"]"), "parents[0]: not 64 lowercase hex"),
            new Bad("parent not hex", with("parents", "[\"" + P1.substring(1) + "g\"]"), "parents[0]: not 64 lowercase hex"),
            new Bad("256 parents", with("parents", parents(256)), "parents: more than 255"),
            new Bad("id a number", with("id", "12"), "id: not a string"),
            new Bad("id uppercase", with("id", "\"" + "AB".repeat(32) + "\""), "id: not 64 lowercase hex"),
            new Bad("id 62 digits", with("id", "\"" + "ab".repeat(31) + "\""), "id: not 64 lowercase hex"),
            new Bad("memo a number", with("memo", "5"), "memo: not a string"),
            new Bad("memo null", with("memo", "null"), "memo: not a string"),
            new Bad("memo over 65535 bytes", with("memo", "\"" + "x".repeat(65_536) + "\""), "memo: over 65535 bytes"),
            new Bad("memo lone high surrogate", with("memo", "\"a\\ud800b\""), "memo: a lone surrogate escape"),
            new Bad("memo lone low surrogate", with("memo", "\"\\udc00\""), "memo: a lone surrogate escape"),
            new Bad("empty object", "{}", "sender: missing"),
            new Bad("a number item", "5", "not a JSON object"),
            new Bad("a string item", "\"x\"", "not a JSON object"),
            new Bad("an array item", "[1,[2]]", "not a JSON object"),
            new Bad("null item", "null", "not a JSON object"));
    }

    static String parents(int count) {
        StringBuilder out = new StringBuilder("[");
        for (int k = 0; k < count; k++) {
            out.append(k == 0 ? "" : ",").append('"').append(String.format("%064x", k + 1)).append('"');
        }
        return out.append(']').toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedItems")
    void badItemIsMalformedAndTheRestGoOn(Bad bad) {
        assertEquals(IngestOutcome.OK, parse("[" + VALID + "," + bad.item() + "," + VALID + "]", false), bad.name());
        assertEquals(3, batch.count);
        assertEquals(Result.ACCEPTED, batch.result(0));
        assertEquals(Result.MALFORMED, batch.result(1), bad.name());
        assertEquals(bad.detail(), detail(1), bad.name());
        assertEquals(Result.ACCEPTED, batch.result(2));
        assertEquals(0, batch.detailSize[2]);
        assertEquals(1500, batch.amount[2]);
        assertEquals(2, batch.parentCount[2]);
        assertEquals(0x2f, batch.parents[batch.parentOffset[2] + 32] & 0xff);
        assertEquals(IngestOutcome.OK, parse(VALID + "\n" + bad.item() + "\n" + VALID, true), bad.name());
        assertEquals(Result.MALFORMED, batch.result(1), bad.name());
        assertEquals(bad.detail(), detail(1), bad.name());
        assertEquals(Result.ACCEPTED, batch.result(2));
    }

    @Test
    void invalidUtf8InMemoIsMalformed() {
        byte[] head = ("[" + VALID.substring(0, VALID.length() - 1) + ",\"memo\":\"a").getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}]".getBytes(StandardCharsets.UTF_8);
        for (byte[] invalid : new byte[][] {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0,
                (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}}) {
            byte[] body = new byte[head.length + invalid.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(invalid, 0, body, head.length, invalid.length);
            System.arraycopy(tail, 0, body, head.length + invalid.length, tail.length);
            assertEquals(IngestOutcome.OK, JsonIngest.parse(body, body.length, false, batch));
            assertEquals(Result.MALFORMED, batch.result(0));
            assertEquals("memo: not valid UTF-8", detail(0));
        }
    }

    @Test
    void ndjsonLinesSayWhyTheyAreNotItems() {
        String body = "{\"sender\":1,\n" + "not json\n" + VALID + " trailing\n" + "[" + VALID + "]\n"
                + with("extra", "1").replace("}", "") + "\n" + with("amount", "1.5") + " x";
        assertEquals(IngestOutcome.OK, parse(body, true));
        String[] expected = {"not valid JSON", "not a JSON object", "bytes after the object", "not a JSON object",
            "not valid JSON", "bytes after the object"};
        assertEquals(expected.length, batch.count);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Result.MALFORMED, batch.result(i), "line item " + i);
            assertEquals(expected[i], detail(i), "line item " + i);
        }
    }

    @Test
    void anUnknownFieldIsEchoedEscapedAndCutAt64Bytes() {
        String[][] rows = {
            // the name as the client wrote it (a, escaped quote, b, escaped backslash, c), each byte escaped again
            {"\"a\\\"b\\\\c\"", "unknown field 'a\\\\\\\"b\\\\\\\\c'"},
            {"\"Grüße\"", "unknown field 'Grüße'"},
            {"\"" + "k".repeat(64) + "\"", "unknown field '" + "k".repeat(64) + "'"},
            {"\"" + "k".repeat(65) + "\"", "unknown field '" + "k".repeat(64) + "...'"},
            {"\"" + "\\\\".repeat(40) + "\"", "unknown field '" + "\\\\".repeat(32) + "...'"},
            {"\"\u007f\"", "unknown field '\\u007f'"},
        };
        for (String[] row : rows) {
            String item = VALID.replace("{", "{" + row[0] + ":1,");
            assertEquals(IngestOutcome.OK, parse("[" + item + "]", false), row[0]);
            assertEquals(Result.MALFORMED, batch.result(0), row[0]);
            assertEquals(row[1], detail(0), row[0]);
        }
        byte[] invalid = ("[{\"a\u00ff\":1}]").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(IngestOutcome.OK, JsonIngest.parse(invalid, invalid.length, false, batch));
        assertEquals("unknown field 'a\\ufffd'", detail(0));
    }

    @Test
    void detailsStayWithinTheirBoundAndTheAnswerField() {
        String longKey = "\"" + "é".repeat(200) + "\"";
        assertEquals(IngestOutcome.OK, parse("[" + VALID.replace("{", "{" + longKey + ":1,") + "," + VALID + "]", false));
        assertTrue(batch.detailSize[0] <= TransferBatch.DETAIL_SIZE_MAX);
        assertTrue(detail(0).getBytes(StandardCharsets.UTF_8).length - "unknown field '...'".length()
                <= MalformedDetail.ECHO_SIZE_MAX, detail(0));
        byte[] out = new byte[256];
        int size = JsonIngest.putDetail(batch, 0, out, 0);
        assertEquals(",\"detail\":\"" + detail(0) + "\"", new String(out, 0, size, StandardCharsets.UTF_8));
        assertEquals(0, JsonIngest.putDetail(batch, 1, out, 0), "an accepted item has no detail");
    }

    @Test
    void readsEveryFieldWithEscapesAndWhitespace() {
        String body = " [ { \"\\u0073eq\" : 3 ,\n\t\"sender\":42 , \"receiver\" :7,\"amount\":1500,"
                + "\"timestamp\":0,\"parents\":[ \"" + P1 + "\" ],\"memo\":\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\/\\/é\","
                + "\"id\":\"" + "0a".repeat(32) + "\"} ]\r\n";
        assertEquals(IngestOutcome.OK, parse(body, false));
        assertEquals(1, batch.count);
        assertEquals(Result.ACCEPTED, batch.result(0));
        assertEquals(42, batch.sender[0]);
        assertEquals(7, batch.receiver[0]);
        assertEquals(1500, batch.amount[0]);
        assertEquals(3, batch.seq[0]);
        assertEquals(0, batch.timestamp[0]);
        assertEquals(1, batch.parentCount[0]);
        assertTrue(batch.idGiven[0]);
        assertEquals(0x0a, batch.givenId[31]);
        String memo = new String(batch.memos, batch.memoOffset[0], batch.memoSize[0], StandardCharsets.UTF_8);
        assertEquals("é\uD83D\uDE00\n\"\\//é", memo);
        assertEquals(2 + 4 + 1 + 1 + 1 + 2 + 2, batch.memoSize[0]);
    }

    @Test
    void keepsWhatTheValidatorRejectsByName() {
        assertEquals(IngestOutcome.OK, parse("[" + with("memo", "\"" + "\\u00e9".repeat(65) + "\"") + ","
                + with("parents", parents(9)) + "," + with("parents", parents(255)) + "," + with("parents", "[]")
                + "," + with("amount", "0") + "," + with("amount", "9223372036854775807") + "]", false));
        assertEquals(130, batch.memoSize[0]);
        assertEquals(9, batch.parentCount[1]);
        assertEquals(255, batch.parentCount[2]);
        assertEquals(0, batch.parentCount[3]);
        assertEquals(0, batch.amount[4]);
        assertEquals(Long.MAX_VALUE, batch.amount[5]);
        for (int i = 0; i < batch.count; i++) {
            assertEquals(Result.ACCEPTED, batch.result(i));
        }
    }

    @Test
    void unparseableBodies() {
        for (String body : List.of("", "  \n ", "42", "\"x\"", "null", "[", "[" + VALID, "[" + VALID + ",]",
                "[" + VALID + "," + VALID.substring(0, 40), VALID + " x", VALID + VALID, "[1 2]", "[tru]",
                "[nul]", "[] []", "{\"sender\":1,", "[\"a\u0001b\"]", "[\"\\x\"]", "[\"\\u12g4\"]", "{\"a\" 1}",
                "{\"sender\":1 \"seq\":2}", "[" + "[".repeat(70) + "]".repeat(70) + "]", "\uFEFF[]", "[1}")) {
            assertEquals(IngestOutcome.UNPARSEABLE, parse(body, false), body);
        }
        assertEquals(IngestOutcome.UNPARSEABLE, parse(" \n\r\n", true));
        assertEquals(IngestOutcome.UNPARSEABLE, parse("", true));
    }

    @Test
    void emptyArrayIsZeroItems() {
        assertEquals(IngestOutcome.OK, parse(" [ ] ", false));
        assertEquals(0, batch.count);
    }

    @Test
    void ndjsonFramesEachLine() {
        String body = VALID + "\r\n\n   \n" + "{\"sender\":1,\n" + "not json\n" + VALID + " trailing\n"
                + "[" + VALID + "]\n" + VALID;
        assertEquals(IngestOutcome.OK, parse(body, true));
        assertEquals(6, batch.count);
        Result[] expected = {Result.ACCEPTED, Result.MALFORMED, Result.MALFORMED, Result.MALFORMED,
            Result.MALFORMED, Result.ACCEPTED};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], batch.result(i), "line item " + i);
        }
        assertEquals(2, batch.parentCount[5]);
        assertEquals(4, batch.parentsSize / 32);
    }

    @Test
    void findsEveryNewlineWhereverItFalls() {
        java.util.Random random = new java.util.Random(11);
        for (int round = 0; round < 2000; round++) {
            byte[] line = new byte[random.nextInt(40)];
            for (int k = 0; k < line.length; k++) {
                line[k] = (byte) (random.nextInt(5) == 0 ? '\n' : random.nextInt(256));
            }
            int from = line.length == 0 ? 0 : random.nextInt(line.length);
            int expected = from;
            while (expected < line.length && line[expected] != '\n') {
                expected++;
            }
            assertEquals(expected, JsonItemReader.indexOfNewline(line, from, line.length));
        }
    }

    @Test
    void atMostTenThousandItems() {
        String ten = ("," + VALID).repeat(TransferBatch.ITEM_COUNT_MAX).substring(1);
        assertEquals(IngestOutcome.OK, parse("[" + ten + "]", false));
        assertEquals(TransferBatch.ITEM_COUNT_MAX, batch.count);
        assertEquals(IngestOutcome.TOO_MANY_ITEMS, parse("[" + ten + ",1]", false));
        String lines = (VALID + "\n").repeat(TransferBatch.ITEM_COUNT_MAX);
        assertEquals(IngestOutcome.OK, parse(lines, true));
        assertEquals(IngestOutcome.TOO_MANY_ITEMS, parse(lines + "x\n", true));
    }

    @Test
    void clearsTheBatchFirst() {
        parse("[" + VALID + "," + VALID + "]", false);
        assertEquals(IngestOutcome.OK, parse(VALID, false));
        assertEquals(1, batch.count);
        assertEquals(64, batch.parentsSize);
    }
}
