package omni.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import omni.kernel.AccountState;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.StatelessPool;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/**
 * The engine on the embedded store, without HTTP: concurrent batches are committed with contiguous positions,
 * the commit listener sees every committed transfer exactly once and in position order, a repeated batch
 * answers exists at the same positions, and a new engine on the same storage recovers the same state.
 */
class EngineTest {
    private static final int THREAD_COUNT = 6;
    private static final int BATCHES_PER_THREAD = 12;
    private static final int BATCH_SIZE = 150;
    private static final long MINT_AMOUNT = 1_000_000;

    private final List<long[]> committedRanges = new ArrayList<>();
    private final List<byte[]> committedIds = new ArrayList<>();

    @Test
    void concurrentBatchesCommitInOrderAndRecover() throws Exception {
        try (EmbeddedStore store = new EmbeddedStore(Files.createTempDirectory("omni-engine"))) {
            Engine engine = new Engine(store, "omni", account -> (int) (account % Kernel.PARTITION_COUNT));
            engine.onCommitted(this::recordCommit);
            engine.start();
            assertTrue(engine.awaitReady(60_000), engine.notReadyReason());
            byte[][] mintIds = mint(engine);
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < THREAD_COUNT; t++) {
                int thread = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        sendChain(engine, thread, mintIds[thread]);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get(), () -> String.valueOf(failure.get()));
            long total = THREAD_COUNT + (long) THREAD_COUNT * BATCHES_PER_THREAD * BATCH_SIZE;
            assertEquals(total, engine.committedPosition());
            assertEquals(total, store.lastPosition());
            checkListener(store, total);
            long[] balances = balances(engine.kernel());
            engine.close();

            Engine recovered = new Engine(store, "omni", account -> (int) (account % Kernel.PARTITION_COUNT));
            recovered.start();
            assertTrue(recovered.awaitReady(60_000), recovered.notReadyReason());
            assertEquals(total + 1, recovered.kernel().nextPosition());
            assertArrayEquals(balances, balances(recovered.kernel()));
            assertEquals(0, recovered.kernel().balanceSum());
            recovered.close();
        }
    }

    @Test
    void aLargeBatchIsHashedInParallelChunksWithTheSameOutcome() throws Exception {
        try (EmbeddedStore store = new EmbeddedStore(Files.createTempDirectory("omni-engine-large"))) {
            Engine engine = new Engine(store, "omni", account -> (int) (account % Kernel.PARTITION_COUNT));
            engine.start();
            assertTrue(engine.awaitReady(60_000), engine.notReadyReason());
            int count = 3 * StatelessPool.CHUNK_ITEM_COUNT + 17;
            BatchSlot slot = engine.acquire();
            byte[] parent = TransferIds.genesisId("omni");
            byte[] expectedIds = new byte[count * 32];
            for (int i = 0; i < count; i++) {
                parent = add(slot.batch, 0, 1_000 + i, 5, i + 1, parent, slot.ids);
                System.arraycopy(parent, 0, expectedIds, i * 32, 32);
            }
            Arrays.fill(slot.batch.id, (byte) 0);
            assertNull(engine.execute(slot, true));
            assertEquals(count, slot.count(Result.ACCEPTED));
            assertArrayEquals(expectedIds, Arrays.copyOf(slot.batch.id, count * 32));
            engine.release(slot);
            assertEquals(count, store.lastPosition());
            engine.close();
        }
    }

    @Test
    void aCommitWhoseAnswerWasLostIsAnnouncedAfterRecoveryAndAResubmissionAnswersExists() throws Exception {
        try (LostAnswerStore store = new LostAnswerStore(new EmbeddedStore(Files.createTempDirectory("omni-lost")))) {
            Engine engine = new Engine(store, "omni", account -> (int) (account % Kernel.PARTITION_COUNT));
            engine.onCommitted(this::recordCommit);
            engine.start();
            assertTrue(engine.awaitReady(60_000), engine.notReadyReason());
            mint(engine);
            store.loseNextAnswer();
            BatchSlot slot = engine.acquire();
            byte[] parent = TransferIds.genesisId("omni");
            for (int i = 0; i < 10; i++) {
                parent = add(slot.batch, 0, 500 + i, 7, THREAD_COUNT + 1 + i, parent, slot.ids);
            }
            String failure = engine.execute(slot, true);
            assertTrue(failure != null && failure.contains("injected"), failure);
            assertTrue(engine.awaitReady(30_000), engine.notReadyReason());
            assertEquals(THREAD_COUNT + 10, engine.committedPosition());
            checkListener(store, THREAD_COUNT + 10);
            slot.batch.count = 10;
            for (int i = 0; i < 10; i++) {
                slot.batch.result[i] = Result.ACCEPTED.code();
            }
            assertNull(engine.execute(slot, true));
            assertEquals(10, slot.count(Result.EXISTS));
            engine.release(slot);
            engine.close();
        }
    }

    private void recordCommit(long first, long last, byte[] ids, int offset) {
        synchronized (committedRanges) {
            committedRanges.add(new long[] {first, last});
            committedIds.add(Arrays.copyOfRange(ids, offset, offset + (int) (last - first + 1) * 32));
        }
    }

    /** One batch from the issuer: THREAD_COUNT accounts get MINT_AMOUNT each; returns their mint ids. */
    private static byte[][] mint(Engine engine) throws InterruptedException {
        BatchSlot slot = engine.acquire();
        byte[] parent = TransferIds.genesisId("omni");
        for (int t = 0; t < THREAD_COUNT; t++) {
            parent = add(slot.batch, 0, account(t), MINT_AMOUNT, t + 1, parent, slot.ids);
        }
        assertNull(engine.execute(slot, true));
        byte[][] ids = new byte[THREAD_COUNT][];
        for (int t = 0; t < THREAD_COUNT; t++) {
            assertEquals(Result.ACCEPTED, slot.batch.result(t));
            ids[t] = Arrays.copyOfRange(slot.batch.id, t * 32, t * 32 + 32);
        }
        engine.release(slot);
        return ids;
    }

    /** BATCHES_PER_THREAD batches of a chain of transfers from this thread's account; the last one sent twice. */
    private static void sendChain(Engine engine, int thread, byte[] parent) throws InterruptedException {
        long seq = 0;
        for (int b = 0; b < BATCHES_PER_THREAD; b++) {
            BatchSlot slot = acquire(engine);
            for (int i = 0; i < BATCH_SIZE; i++) {
                parent = add(slot.batch, account(thread), account((thread + 1 + i) % THREAD_COUNT + THREAD_COUNT),
                        1, ++seq, parent, slot.ids);
            }
            assertNull(engine.execute(slot, false));
            assertEquals(BATCH_SIZE, slot.count(Result.ACCEPTED), "accepted items of batch " + b);
            long[] positions = Arrays.copyOf(slot.batch.position, BATCH_SIZE);
            if (b == BATCHES_PER_THREAD - 1) {
                // The same batch again: every item exists, at the same position.
                slot.batch.count = BATCH_SIZE;
                for (int i = 0; i < BATCH_SIZE; i++) {
                    slot.batch.result[i] = Result.ACCEPTED.code();
                }
                assertNull(engine.execute(slot, false));
                assertEquals(BATCH_SIZE, slot.count(Result.EXISTS));
                assertArrayEquals(positions, Arrays.copyOf(slot.batch.position, BATCH_SIZE));
            }
            engine.release(slot);
        }
    }

    private static BatchSlot acquire(Engine engine) throws InterruptedException {
        for (BatchSlot slot = engine.acquire(); ; slot = engine.acquire()) {
            if (slot != null) {
                return slot;
            }
        }
    }

    /** Appends one transfer with one parent to {@code batch}; returns its id. */
    private static byte[] add(TransferBatch batch, long sender, long receiver, long amount, long seq, byte[] parent,
                              TransferIds ids) {
        int i = batch.count++;
        batch.sender[i] = sender;
        batch.receiver[i] = receiver;
        batch.amount[i] = amount;
        batch.seq[i] = seq;
        batch.timestamp[i] = 1_764_130_000_000L;
        batch.parentCount[i] = 1;
        batch.parentOffset[i] = batch.reserveParents(1);
        System.arraycopy(parent, 0, batch.parents, batch.parentOffset[i], 32);
        batch.memoSize[i] = 0;
        batch.memoOffset[i] = 0;
        batch.idGiven[i] = false;
        batch.result[i] = Result.ACCEPTED.code();
        ids.computeId(batch, i);
        return Arrays.copyOfRange(batch.id, i * 32, i * 32 + 32);
    }

    private static long account(int index) {
        return 100 + index;
    }

    /** The listener's ranges, in order, cover 1..total once, and its ids are the stored ones. */
    private void checkListener(Store store, long total) throws omni.proof.StorageException {
        long next = 1;
        byte[] stored = new byte[(int) total * 32];
        store.readIds(1, total, stored, 0);
        synchronized (committedRanges) {
            for (int r = 0; r < committedRanges.size(); r++) {
                long[] range = committedRanges.get(r);
                assertEquals(next, range[0], "commit " + r + " starts where the previous ended");
                byte[] ids = committedIds.get(r);
                assertArrayEquals(Arrays.copyOfRange(stored, (int) (range[0] - 1) * 32, (int) range[1] * 32), ids);
                next = range[1] + 1;
            }
        }
        assertEquals(total + 1, next);
    }

    private static long[] balances(Kernel kernel) {
        long[] balances = new long[2 * THREAD_COUNT + 1];
        AccountState state = new AccountState();
        for (int a = 0; a < 2 * THREAD_COUNT; a++) {
            assertTrue(kernel.account(account(a), state));
            balances[a] = state.balance;
        }
        kernel.account(0, state);
        balances[2 * THREAD_COUNT] = state.balance;
        return balances;
    }
}
