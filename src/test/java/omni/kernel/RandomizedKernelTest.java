package omni.kernel;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import omni.ingest.IngestOutcome;
import omni.ingest.JsonIngest;
import omni.kernel.ReferenceLedger.Outcome;
import omni.kernel.ReferenceLedger.Tx;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded randomized test against {@link ReferenceLedger}: batches of random transfers with every kind of
 * invalid one mixed in, half of them through JSON ingest, all through the engine's stateless path (a
 * {@link StatelessPool} cut as the engine cuts it, so large batches run on several threads). Per item the result
 * and position must equal the model's; after every batch the balances, seqs, transfer counts and tips must, and
 * the balances must sum to 0. Finally a fresh kernel restored from the accepted transfers must equal it.
 * Re-run a failure with {@code -Domni.seed=<seed>}.
 */
class RandomizedKernelTest {
    static final long NOW_MS = KernelTest.NOW_MS;
    static final int BATCH_COUNT = 70;
    static final int TRANSFER_COUNT_MIN = 100_000;
    /** Room for the chunks of one full batch, as the engine has for each of its batches. */
    static final int QUEUED_CHUNK_COUNT_MAX = 4;

    @Test
    void matchesTheReferenceModelAndRestoresToTheSameState() throws InterruptedException {
        long seed = Long.getLong("omni.seed", System.nanoTime());
        System.out.println("RandomizedKernelTest seed=" + seed);
        Random random = new Random(seed);
        Kernel kernel = KernelTest.newKernel();
        ReferenceLedger reference = new ReferenceLedger("omni");
        Generator generator = new Generator(random, reference);
        TransferBatch batch = new TransferBatch();
        int total = 0;
        TransferIds callerIds = new TransferIds();
        try (StatelessPool pool = new StatelessPool(2, StatelessPool.CHUNK_ITEM_COUNT, QUEUED_CHUNK_COUNT_MAX)) {
            for (int b = 0; b < BATCH_COUNT || total < TRANSFER_COUNT_MIN; b++) {
                boolean admin = random.nextInt(4) != 0;
                int size = 1 + random.nextInt(random.nextInt(8) == 0 ? TransferBatch.ITEM_COUNT_MAX : 2000);
                List<Tx> txs = new ArrayList<>();
                List<Outcome> expected = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    Tx tx = generator.next(admin, txs);
                    txs.add(tx);
                    expected.add(reference.validate(tx, admin, NOW_MS));
                }
                fill(batch, txs, random.nextBoolean());
                pool.validate(batch, admin, NOW_MS, callerIds);
                kernel.validateStateful(batch);
                String where = "seed=" + seed + " batch=" + b;
                for (int i = 0; i < size; i++) {
                    assertEquals(expected.get(i).result(), batch.result(i), where + " item=" + i + " " + txs.get(i));
                    assertEquals(expected.get(i).position(), batch.position[i], where + " item=" + i);
                }
                assertSameState(reference, kernel, where);
                total += size;
            }
        }
        System.out.println("RandomizedKernelTest transfers=" + total + " accepted=" + (kernel.nextPosition() - 1));
        assertTrue(generator.kindsSeen.values().stream().allMatch(n -> n > 0), "every kind generated: "
                + generator.kindsSeen);
        Kernel restored = KernelTest.newKernel();
        restoreAll(restored, reference, random);
        assertSameState(reference, restored, "restored, seed=" + seed);
        for (int position = 0; position < reference.idOfPosition.size(); position++) {
            assertEquals(position, restored.positionOf(reference.idOfPosition.get(position), 0));
        }
    }

    static void assertSameState(ReferenceLedger reference, Kernel kernel, String where) {
        assertEquals(reference.transferOfPosition.size(), kernel.nextPosition(), where);
        assertEquals(BigInteger.ZERO, reference.balanceSum(), where);
        assertEquals(0, kernel.balanceSum(), where);
        assertEquals(reference.accounts.size(), kernel.accountCount(), where);
        AccountState state = new AccountState();
        for (Map.Entry<Long, ReferenceLedger.Account> e : reference.accounts.entrySet()) {
            assertTrue(kernel.account(e.getKey(), state), where + " account " + e.getKey());
            assertEquals(e.getValue().balance.longValueExact(), state.balance, where + " balance " + e.getKey());
            assertEquals(e.getValue().seq, state.seq, where + " seq " + e.getKey());
            assertEquals(e.getValue().transferCount, state.transferCount, where + " count " + e.getKey());
        }
        kernel.forEachAccount((account, balance, seq, transferCount) -> {
            ReferenceLedger.Account expected = reference.accounts.get(account);
            assertTrue(expected != null, where + " kernel has an account the model lacks: " + account);
            assertEquals(expected.balance.longValueExact(), balance, where + " visited balance " + account);
        });
        assertEquals(reference.tips.size(), kernel.tipCount(), where + " tip count");
        byte[] tips = new byte[64 * 32];
        int count = kernel.tips(64, tips);
        Iterator<Long> newest = reference.tips.descendingIterator();
        for (int k = 0; k < count; k++) {
            byte[] expected = reference.idOfPosition.get(newest.next().intValue());
            assertArrayEquals(expected, Arrays.copyOfRange(tips, 32 * k, 32 * k + 32), where + " tip " + k);
        }
        assertEquals(Math.min(64, reference.tips.size()), count, where);
    }

    static void restoreAll(Kernel kernel, ReferenceLedger reference, Random random) {
        TransferBatch batch = new TransferBatch();
        int position = 1;
        while (position < reference.transferOfPosition.size()) {
            int size = Math.min(1 + random.nextInt(TransferBatch.ITEM_COUNT_MAX),
                    reference.transferOfPosition.size() - position);
            fill(batch, reference.transferOfPosition.subList(position, position + size), false);
            for (int i = 0; i < size; i++) {
                System.arraycopy(reference.idOfPosition.get(position + i), 0, batch.id, 32 * i, 32);
                batch.position[i] = position + i;
            }
            kernel.restore(batch);
            position += size;
        }
    }

    /** Writes {@code txs} into {@code batch}: directly, or as a JSON array through {@link JsonIngest}. */
    static void fill(TransferBatch batch, List<Tx> txs, boolean viaJson) {
        if (viaJson) {
            StringBuilder json = new StringBuilder("[");
            for (Tx tx : txs) {
                json.append(json.length() > 1 ? ",\n" : "").append(toJson(tx));
            }
            byte[] body = json.append(']').toString().getBytes(StandardCharsets.UTF_8);
            assertEquals(IngestOutcome.OK, JsonIngest.parse(body, body.length, false, batch));
            assertEquals(txs.size(), batch.count);
            return;
        }
        batch.clear();
        for (Tx tx : txs) {
            int i = batch.count++;
            batch.sender[i] = tx.sender();
            batch.receiver[i] = tx.receiver();
            batch.amount[i] = tx.amount();
            batch.seq[i] = tx.seq();
            batch.timestamp[i] = tx.timestamp();
            batch.parentCount[i] = tx.parents().length;
            batch.parentOffset[i] = batch.reserveParents(tx.parents().length);
            for (int k = 0; k < tx.parents().length; k++) {
                System.arraycopy(tx.parents()[k], 0, batch.parents, batch.parentOffset[i] + 32 * k, 32);
            }
            batch.memoSize[i] = tx.memo().length;
            batch.memoOffset[i] = batch.reserveMemo(tx.memo().length);
            System.arraycopy(tx.memo(), 0, batch.memos, batch.memoOffset[i], tx.memo().length);
            batch.idGiven[i] = tx.givenId() != null;
            if (tx.givenId() != null) {
                System.arraycopy(tx.givenId(), 0, batch.givenId, 32 * i, 32);
            }
            batch.result[i] = (tx.malformed() ? Result.MALFORMED : Result.ACCEPTED).code();
        }
    }

    static String toJson(Tx tx) {
        StringBuilder out = new StringBuilder("{\"sender\":").append(tx.sender())
                .append(",\"receiver\":").append(tx.receiver())
                .append(",\"amount\":").append(tx.malformed() ? "1.5" : Long.toString(tx.amount()))
                .append(",\"seq\":").append(tx.seq()).append(",\"timestamp\":").append(tx.timestamp())
                .append(",\"parents\":[");
        for (int k = 0; k < tx.parents().length; k++) {
            out.append(k == 0 ? "\"" : ",\"").append(Hex.encode(tx.parents()[k])).append('"');
        }
        out.append(']');
        if (tx.memo().length > 0 || tx.givenId() == null) {
            String memo = new String(tx.memo(), StandardCharsets.UTF_8);
            out.append(",\"memo\":\"").append(memo.replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("é", "\\u00e9")).append('"');
        }
        if (tx.givenId() != null) {
            out.append(",\"id\":\"").append(Hex.encode(tx.givenId())).append('"');
        }
        return out.append('}').toString();
    }
}
