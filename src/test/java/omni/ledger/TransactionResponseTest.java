package omni.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import omni.kernel.Result;

/** The hand-written answer of POST /transactions, byte for byte (docs/api.md). */
class TransactionResponseTest {
    @Test
    void encodesEveryKindOfItemInRequestOrder() {
        BatchSlot slot = new BatchSlot();
        slot.batch.count = 4;
        setItem(slot, 0, Result.ACCEPTED, 17, 0x11);
        setItem(slot, 1, Result.MALFORMED, -1, 0);
        setItem(slot, 2, Result.EXISTS, 3, 0xab);
        setItem(slot, 3, Result.INSUFFICIENT_FUNDS, -1, 0x01);
        int size = SubmitAnswer.encode(slot);
        String json = new String(slot.response, 0, size, StandardCharsets.US_ASCII);
        assertEquals("{\"accepted\":2,\"rejected\":2,\"results\":["
                + "{\"index\":0,\"id\":\"" + "11".repeat(32) + "\",\"result\":\"accepted\",\"position\":17},"
                + "{\"index\":1,\"result\":\"malformed\"},"
                + "{\"index\":2,\"id\":\"" + "ab".repeat(32) + "\",\"result\":\"exists\",\"position\":3},"
                + "{\"index\":3,\"id\":\"" + "01".repeat(32) + "\",\"result\":\"insufficient_funds\"}]}", json);
    }

    @Test
    void encodesAnEmptyRequestAndGrowsForAFullOne() {
        BatchSlot slot = new BatchSlot();
        int size = SubmitAnswer.encode(slot);
        assertEquals("{\"accepted\":0,\"rejected\":0,\"results\":[]}",
                new String(slot.response, 0, size, StandardCharsets.US_ASCII));
        slot.batch.count = omni.kernel.TransferBatch.ITEM_COUNT_MAX;
        for (int i = 0; i < slot.batch.count; i++) {
            setItem(slot, i, Result.ACCEPTED, Long.MAX_VALUE - i, i);
        }
        size = SubmitAnswer.encode(slot);
        String json = new String(slot.response, 0, size, StandardCharsets.US_ASCII);
        assertEquals(true, json.startsWith("{\"accepted\":10000,\"rejected\":0,\"results\":[{\"index\":0,"));
        assertEquals(true, json.endsWith(",\"result\":\"accepted\",\"position\":" + (Long.MAX_VALUE - 9_999) + "}]}"));
    }

    /** A malformed item read by ingest carries its detail; the answer stays valid JSON whatever the input held. */
    @Test
    void malformedItemsFromIngestSayWhy() throws Exception {
        BatchSlot slot = new BatchSlot();
        String item = "{\"sender\":1,\"receiver\":2,\"amount\":1.5,\"seq\":1,\"timestamp\":0,\"parents\":[]}";
        String weird = "{\"\u00e9\\\"\\u0001" + "x".repeat(100) + "\":1}";
        byte[] body = ("[" + item + "," + weird + "]").getBytes(StandardCharsets.UTF_8);
        assertEquals(omni.ingest.IngestOutcome.OK, omni.ingest.JsonIngest.parse(body, body.length, false, slot.batch));
        int size = SubmitAnswer.encode(slot);
        com.fasterxml.jackson.databind.JsonNode results = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(new String(slot.response, 0, size, StandardCharsets.UTF_8)).get("results");
        assertEquals("malformed", results.get(0).get("result").asText());
        assertEquals("amount: a fraction", results.get(0).get("detail").asText());
        assertEquals("unknown field '\u00e9\\\"\\u0001" + "x".repeat(51) + "...'", results.get(1).get("detail").asText());
    }

    private static void setItem(BatchSlot slot, int i, Result result, long position, int idByte) {
        slot.batch.result[i] = result.code();
        slot.batch.position[i] = position;
        java.util.Arrays.fill(slot.batch.id, i * 32, i * 32 + 32, (byte) idByte);
    }
}
