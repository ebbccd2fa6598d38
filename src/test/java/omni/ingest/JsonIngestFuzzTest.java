package omni.ingest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import omni.ReliabilityLog;
import omni.bus.JsonText;
import omni.kernel.Hex;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import org.junit.jupiter.api.AfterAll;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer on the request body reader. The first byte picks the framing ('n' NDJSON, anything else JSON), the rest
 * is the body. Whatever the bytes: parse never throws (only the outcomes it documents), every item gets a result
 * (accepted, pending validation, or malformed with a bounded detail that is valid JSON string content), and an
 * accepted item written back as canonical JSON reads again as the same transfer with the same id. Without
 * JAZZER_FUZZ it replays the committed inputs in JsonIngestFuzzTestInputs; the build's fuzz run sets it.
 */
class JsonIngestFuzzTest {
    /** Fuzzing time a build spends here: about 100,000 inputs on a busy machine, with start-up under 60 s for both targets. */
    static final String FUZZ_DURATION = "10s";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong INPUT_COUNT = new AtomicLong();
    private static final TransferBatch BATCH = new TransferBatch();
    private static final TransferBatch AGAIN = new TransferBatch();
    private static final TransferIds IDS = new TransferIds();

    @FuzzTest(maxDuration = FUZZ_DURATION)
    void ingest(byte[] input) throws Exception {
        INPUT_COUNT.incrementAndGet();
        boolean ndjson = input.length > 0 && input[0] == 'n';
        byte[] body = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
        IngestOutcome outcome = JsonIngest.parse(body, body.length, ndjson, BATCH);
        if (outcome == IngestOutcome.UNPARSEABLE) {
            return;
        }
        assertTrue(BATCH.count <= TransferBatch.ITEM_COUNT_MAX);
        if (outcome == IngestOutcome.TOO_MANY_ITEMS) {
            assertEquals(TransferBatch.ITEM_COUNT_MAX, BATCH.count);
            return;
        }
        for (int i = 0; i < BATCH.count; i++) {
            Result result = BATCH.result(i);
            if (result == Result.MALFORMED) {
                checkDetail(i);
            } else {
                assertEquals(Result.ACCEPTED, result, "item " + i);
                assertEquals(0, BATCH.detailSize[i]);
                rereadsAsTheSameTransfer(i);
            }
        }
    }

    private static void checkDetail(int i) throws Exception {
        int size = BATCH.detailSize[i];
        assertTrue(size > 0 && size <= TransferBatch.DETAIL_SIZE_MAX, "detail of " + size + " bytes");
        String quoted = "\"" + new String(BATCH.details, BATCH.detailOffset[i], size, StandardCharsets.UTF_8) + "\"";
        assertTrue(JSON.readTree(quoted).isTextual(), quoted);
    }

    /** Item i written as canonical JSON is read back with the same fields, and both give the same id. */
    private static void rereadsAsTheSameTransfer(int i) {
        byte[] memo = Arrays.copyOfRange(BATCH.memos, BATCH.memoOffset[i], BATCH.memoOffset[i] + BATCH.memoSize[i]);
        StringBuilder json = new StringBuilder("{\"sender\":").append(BATCH.sender[i])
                .append(",\"receiver\":").append(BATCH.receiver[i]).append(",\"amount\":").append(BATCH.amount[i])
                .append(",\"seq\":").append(BATCH.seq[i]).append(",\"timestamp\":").append(BATCH.timestamp[i])
                .append(",\"parents\":[");
        for (int k = 0; k < BATCH.parentCount[i]; k++) {
            json.append(k == 0 ? "\"" : ",\"").append(Hex.encode(BATCH.parents,
                    BATCH.parentOffset[i] + k * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE)).append('"');
        }
        json.append("],\"memo\":").append(JsonText.quote(new String(memo, StandardCharsets.UTF_8))).append('}');
        byte[] again = json.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(IngestOutcome.OK, JsonIngest.parse(again, again.length, false, AGAIN), json.toString());
        assertEquals(Result.ACCEPTED, AGAIN.result(0), json.toString());
        assertArrayEquals(memo, Arrays.copyOfRange(AGAIN.memos, AGAIN.memoOffset[0], AGAIN.memoOffset[0] + AGAIN.memoSize[0]));
        IDS.computeId(BATCH, i);
        IDS.computeId(AGAIN, 0);
        assertArrayEquals(Arrays.copyOfRange(BATCH.id, i * TransferBatch.ID_SIZE, (i + 1) * TransferBatch.ID_SIZE),
                Arrays.copyOfRange(AGAIN.id, 0, TransferBatch.ID_SIZE), json.toString());
    }

    @AfterAll
    static void report() {
        boolean fuzzing = "1".equals(System.getenv("JAZZER_FUZZ"));
        System.out.println("fuzz: JsonIngest tried " + INPUT_COUNT.get() + " inputs ("
                + (fuzzing ? "fuzzing for " + FUZZ_DURATION : "corpus replay") + ")");
        if (fuzzing) {
            ReliabilityLog.held("Fuzzing the JSON/NDJSON ingest (Jazzer)", INPUT_COUNT.get() + " inputs in "
                    + FUZZ_DURATION + " from the committed corpus", "no exception; one result per item; malformed "
                    + "details bounded and valid JSON; accepted items re-read as the same transfer and id");
        }
    }
}
