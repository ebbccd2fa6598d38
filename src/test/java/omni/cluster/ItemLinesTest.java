package omni.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import omni.ingest.IngestOutcome;
import omni.ingest.JsonIngest;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import org.junit.jupiter.api.Test;

/**
 * Items written again as NDJSON lines read back, through the same ingest an owner runs, as the items they were:
 * every field, the memo byte for byte, and so the same id. Memos with quotes, backslashes, control characters,
 * escapes and multi-byte UTF-8 are the cases a re-encoding could get wrong, so they come as a table and at random.
 */
class ItemLinesTest {
    private static final String PARENT = "0123456789abcdef".repeat(4);

    @Test
    void trickyMemosAndLargeNumbersReadBackAsTheSameItems() {
        List<String> memos = List.of("", "plain", "a \\\"quoted\\\" word", "back\\\\slash", "line\\nbreak\\ttab",
                "\\u0001\\u001f control", "\\u00e9t\\u00e9 \\ud83d\\ude00", "été 😀 raw", "/ \\/ slash", "x".repeat(128),
                "😀".repeat(32));
        List<String> items = new ArrayList<>();
        for (int m = 0; m < memos.size(); m++) {
            items.add(item(m + 1, Long.MAX_VALUE - m, Long.MAX_VALUE, m + 1, 1_764_130_000_000L + m,
                    1 + m % 8, memos.get(m)));
        }
        assertRoundTrip("[" + String.join(",", items) + "]");
    }

    @Test
    void randomMemosReadBackAsTheSameItems() {
        long seed = System.nanoTime();
        System.out.println("ItemLinesTest seed " + seed);
        Random random = new Random(seed);
        List<String> items = new ArrayList<>();
        for (int n = 0; n < 500; n++) {
            StringBuilder memo = new StringBuilder();
            int bytes = 0;
            while (bytes < 100) {
                int codePoint = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(0x20);
                    case 1 -> 0x20 + random.nextInt(0x60);
                    case 2 -> 0x80 + random.nextInt(0x7ff - 0x80);
                    default -> 0x10000 + random.nextInt(0x1000);
                };
                bytes += new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
                if (codePoint < 0x20 || codePoint == '"' || codePoint == '\\') {
                    memo.append(String.format("\\u%04x", codePoint));
                } else {
                    memo.appendCodePoint(codePoint);
                }
            }
            items.add(item(random.nextLong(1, Long.MAX_VALUE), random.nextLong(Long.MAX_VALUE),
                    random.nextLong(1, Long.MAX_VALUE), random.nextLong(1, Long.MAX_VALUE),
                    random.nextLong(1_764_130_000_000L), 1 + random.nextInt(8), memo.toString()));
        }
        assertRoundTrip("[" + String.join(",", items) + "]");
    }

    private static String item(long sender, long receiver, long amount, long seq, long timestamp, int parentCount,
                               String memo) {
        List<String> parents = new ArrayList<>();
        for (int k = 0; k < parentCount; k++) {
            parents.add("\"" + PARENT.substring(0, 62) + String.format("%02x", k) + "\"");
        }
        return "{\"sender\":" + sender + ", \"receiver\":" + receiver + ",\r\n\"amount\":" + amount + ",\"seq\":" + seq
                + ",\"timestamp\":" + timestamp + ",\"parents\":[" + String.join(", ", parents) + "]"
                + (memo.isEmpty() ? "" : ",\"memo\":\"" + memo + "\"") + "}";
    }

    private static void assertRoundTrip(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        TransferBatch original = new TransferBatch();
        assertEquals(IngestOutcome.OK, JsonIngest.parse(body, body.length, false, original));
        ItemLines lines = new ItemLines();
        for (int i = 0; i < original.count; i++) {
            assertEquals(Result.ACCEPTED, original.result(i), "item " + i + " of the test is well-formed");
            lines.add(original, i);
        }
        TransferBatch forwarded = new TransferBatch();
        assertEquals(IngestOutcome.OK, JsonIngest.parse(lines.bytes(), lines.size(), true, forwarded));
        assertEquals(original.count, forwarded.count);
        TransferIds ids = new TransferIds();
        for (int i = 0; i < original.count; i++) {
            assertEquals(Result.ACCEPTED, forwarded.result(i), "line " + i);
            assertEquals(List.of(original.sender[i], original.receiver[i], original.amount[i], original.seq[i],
                            original.timestamp[i], (long) original.parentCount[i]),
                    List.of(forwarded.sender[i], forwarded.receiver[i], forwarded.amount[i], forwarded.seq[i],
                            forwarded.timestamp[i], (long) forwarded.parentCount[i]), "line " + i);
            assertArrayEquals(memo(original, i), memo(forwarded, i), "memo of line " + i);
            ids.computeId(original, i);
            ids.computeId(forwarded, i);
            assertArrayEquals(Arrays.copyOfRange(original.id, i * 32, i * 32 + 32),
                    Arrays.copyOfRange(forwarded.id, i * 32, i * 32 + 32), "id of line " + i);
        }
    }

    private static byte[] memo(TransferBatch batch, int i) {
        return Arrays.copyOfRange(batch.memos, batch.memoOffset[i], batch.memoOffset[i] + batch.memoSize[i]);
    }
}
