package omni.proof;

import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransferTest {
    @Test
    void specVectorFromABatchItemAndThroughJson() {
        TransferBatch batch = new TransferBatch();
        batch.add(1, 2, 3, 4, 5); // item 0, so that the vector is read from an item other than the first
        int i = batch.add(42, 7, 1500, 3, 1764130000000L);
        int offset = batch.reserveParents(i, 2);
        java.util.Arrays.fill(batch.parents, offset, offset + 32, (byte) 0xff);
        java.util.Arrays.fill(batch.parents, offset + 32, offset + 64, (byte) 0x01);
        new TransferIds().computeId(batch, i);
        Transfer t = Transfer.fromBatch(batch, i);
        assertEquals("bfea8d8b98d308cd7d3b3fa4b7706cd79e37f93cbddfc0dba05286640a62e181", HexFormat.of().formatHex(t.id()));
        assertTrue(t.idRecomputes());
        assertEquals(2, t.parentCount());
        String json = t.toJson();
        assertEquals("{\"sender\":42,\"receiver\":7,\"amount\":1500,\"seq\":3,\"timestamp\":1764130000000,\"parents\":[\""
                + "ff".repeat(32) + "\",\"" + "01".repeat(32) + "\"],\"memo\":\"\"}", json);
        assertEquals(t, Transfer.fromJson(JsonFields.parse(json, "t"), t.id(), "transaction"));
    }

    @Test
    void genesisAndEscapedMemosRoundTrip() {
        byte[] memo = TransferIds.genesisMemo("omni");
        Transfer genesis = new Transfer(0, 0, 0, 0, 0, new byte[0], memo, TransferIds.genesisId("omni"));
        assertEquals("12cf0d0d96dd71749727be404f802a1941360eb8b5142aaa57becae9001e0e28", HexFormat.of().formatHex(genesis.id()));
        assertTrue(genesis.idRecomputes());
        Transfer escaped = new Transfer(1, 2, 3, 4, 5, new byte[32], "q\"\\\n\u0001é€".getBytes(StandardCharsets.UTF_8), new byte[32]);
        assertEquals(escaped, Transfer.fromJson(JsonFields.parse(escaped.toJson(), "t"), new byte[32], "transaction"));
        String noMemo = "{\"sender\":1,\"receiver\":2,\"amount\":3,\"seq\":4,\"timestamp\":5,\"parents\":[\"" + "00".repeat(32) + "\"]}";
        assertEquals(new Transfer(1, 2, 3, 4, 5, new byte[32], new byte[0], new byte[32]),
                Transfer.fromJson(JsonFields.parse(noMemo, "t"), new byte[32], "transaction"));
        String u64Max = noMemo.replace("\"amount\":3", "\"amount\":18446744073709551615");
        assertEquals(-1L, Transfer.fromJson(JsonFields.parse(u64Max, "t"), new byte[32], "transaction").amount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.fromJson(
                JsonFields.parse(noMemo.replace("\"amount\":3", "\"amount\":-3"), "t"), new byte[32], "transaction"));
        assertTrue(e.getMessage().contains("transaction.amount"), e.getMessage());
    }
}
