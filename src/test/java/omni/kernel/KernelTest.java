package omni.kernel;

import java.nio.charset.StandardCharsets;

import omni.ingest.IngestOutcome;
import omni.ingest.JsonIngest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel API end to end on small hand-written requests. */
class KernelTest {
    static final long NOW_MS = 1_764_130_000_000L;
    static final String GENESIS = "12cf0d0d96dd71749727be404f802a1941360eb8b5142aaa57becae9001e0e28";

    static Kernel newKernel() {
        return new Kernel("omni", account -> (int) Long.remainderUnsigned(account, Kernel.PARTITION_COUNT));
    }

    /** Ingests {@code json}, validates it as the pipeline does, and returns the batch. */
    static TransferBatch submit(Kernel kernel, String json, boolean issuerAllowed) {
        TransferBatch batch = new TransferBatch();
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        assertEquals(IngestOutcome.OK, JsonIngest.parse(body, body.length, false, batch));
        StatelessPool.validateRange(batch, 0, batch.count, issuerAllowed, NOW_MS, new TransferIds());
        kernel.validateStateful(batch);
        return batch;
    }

    static String transfer(long sender, long receiver, long amount, long seq, String... parents) {
        return "{\"sender\":" + sender + ",\"receiver\":" + receiver + ",\"amount\":" + amount + ",\"seq\":" + seq
                + ",\"timestamp\":" + NOW_MS + ",\"parents\":[\"" + String.join("\",\"", parents) + "\"]}";
    }

    @Test
    void startsWithGenesisAtPositionZero() {
        Kernel kernel = newKernel();
        assertEquals(GENESIS, Hex.encode(kernel.genesisId()));
        assertEquals(1, kernel.nextPosition());
        assertEquals(0, kernel.positionOf(kernel.genesisId(), 0));
        byte[] tips = new byte[10 * 32];
        assertEquals(1, kernel.tips(10, tips));
        assertEquals(GENESIS, Hex.encode(tips, 0, 32));
        assertEquals(0, kernel.accountCount());
        assertFalse(kernel.account(0, new AccountState()));
    }

    @Test
    void issuesMovesAndRepeatsIdempotently() {
        Kernel kernel = newKernel();
        TransferBatch first = submit(kernel, "[" + transfer(0, 5, 100, 1, GENESIS) + "]", true);
        assertEquals(Result.ACCEPTED, first.result(0));
        assertEquals(1, first.position[0]);
        String issued = Hex.encode(first.id, 0, 32);
        TransferBatch second = submit(kernel, "[" + transfer(5, 6, 40, 1, issued) + ","
                + transfer(0, 5, 100, 1, GENESIS) + "," + transfer(5, 6, 61, 2, issued) + "]", true);
        assertEquals(Result.ACCEPTED, second.result(0));
        assertEquals(2, second.position[0]);
        assertEquals(Result.EXISTS, second.result(1));
        assertEquals(1, second.position[1]);
        assertEquals(Result.INSUFFICIENT_FUNDS, second.result(2));
        assertEquals(-1, second.position[2]);
        AccountState state = new AccountState();
        assertTrue(kernel.account(5, state));
        assertEquals(60, state.balance);
        assertEquals(1, state.seq);
        assertEquals(2, state.transferCount);
        assertTrue(kernel.account(0, state));
        assertEquals(-100, state.balance);
        assertEquals(3, kernel.accountCount());
        assertEquals(0, kernel.balanceSum());
        byte[] tips = new byte[4 * 32];
        assertEquals(1, kernel.tips(4, tips));
        assertArrayEquals(java.util.Arrays.copyOfRange(second.id, 0, 32), java.util.Arrays.copyOf(tips, 32));
    }
}
