package omni.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import omni.kernel.AccountState;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/**
 * The engine's failure policy under concurrent requests: an unexpected exception (not the store's typed failure)
 * before the COPY, after it, or after the COMMIT of an append, and one on the sequencer (a kernel assertion
 * tripped by a partition function out of range), each answer the waiting requests 503 within their deadline,
 * turn readiness not ready with the reason, rebuild the kernel from storage and serve again; nothing acknowledged
 * is lost, and an item whose outcome was unknown is stored once or not at all. A rebuild that keeps failing stops
 * the process (observed through the injected stop), and a commit slower than the deadline answers 503 without
 * letting its slot be reused before the commit ends.
 */
class PipelineFailureTest {
    /** Short, so the slow-commit case waits 2 s; production waits Engine.SLOT_AWAIT_MS. */
    private static final long SLOT_AWAIT_MS = 2_000;
    /** Frequent probes, so each recovery takes milliseconds rather than a second. */
    private static final long PROBE_INTERVAL_MS = 20;
    /** An answer may come this much after its deadline: scheduling on a loaded shared machine, not a hang. */
    private static final long ANSWER_SLACK_MS = 5_000;
    /** How long a state (readiness, progress) may take to show; generous for a busy machine. */
    private static final long STATE_WAIT_MS = 30_000;
    private static final int WORKER_COUNT = 4;
    private static final int BATCH_SIZE = 20;
    /** Acknowledged transfers seen before the fault, and again after the recovery. */
    private static final int PROGRESS_COUNT = 200;
    private static final long MINT_AMOUNT = 1_000_000;
    private static final long RECEIVER_BASE = 900;

    private final AtomicReference<String> stopReason = new AtomicReference<>();
    /** An account the partition function answers out of range for (-1: none). */
    private volatile long poisonAccount = -1;
    private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger unknownCount = new AtomicInteger();
    private final AtomicInteger existsCount = new AtomicInteger();
    private final AtomicReference<Throwable> workerFailure = new AtomicReference<>();
    private volatile boolean stopWorkers;

    private Engine engine(MemoryStore store, int poolSize) {
        return new Engine(store, "omni", this::partitionOf,
                new PipelineBounds(poolSize, 1, SLOT_AWAIT_MS, PROBE_INTERVAL_MS, stopReason::set));
    }

    private int partitionOf(long account) {
        return account == poisonAccount ? -1 : (int) (account % Kernel.PARTITION_COUNT);
    }

    @ParameterizedTest
    @EnumSource(MemoryStore.Step.class)
    void anUnexpectedAppendFailureAnswers503RebuildsAndServesAgain(MemoryStore.Step step) throws Exception {
        MemoryStore store = new MemoryStore();
        Engine engine = engine(store, Engine.BATCH_POOL_SIZE);
        engine.start();
        assertTrue(engine.awaitReady(STATE_WAIT_MS), engine.notReadyReason());
        List<Thread> workers = startWorkers(engine, mint(engine, WORKER_COUNT));
        awaitState(() -> acknowledged.size() >= PROGRESS_COUNT, "progress before the fault");
        store.failNextAppend(step, MemoryStore.Kind.RUNTIME_EXCEPTION);
        awaitState(() -> store.firedStep() == step, "the fault " + step);
        awaitState(engine::isReady, "readiness after the fault");
        int ackedAtRecovery = acknowledged.size();
        awaitState(() -> acknowledged.size() >= ackedAtRecovery + PROGRESS_COUNT, "new writes after the recovery");
        stopWorkers(workers);
        assertTrue(unknownCount.get() > 0, "the failed group's requests answered 503");
        if (step == MemoryStore.Step.AFTER_COMMIT) {
            assertTrue(existsCount.get() > 0, "the committed group, resubmitted, answers exists");
        } else {
            assertEquals(0, existsCount.get(), "nothing of a group that did not commit exists");
        }
        checkStorage(store, engine);
        checkEverySlotFree(engine, Engine.BATCH_POOL_SIZE);
        engine.close();
        assertNull(stopReason.get());
    }

    @Test
    void aSequencerFailureAnswers503RebuildsAndServesAgain() throws Exception {
        MemoryStore store = new MemoryStore();
        Engine engine = engine(store, Engine.BATCH_POOL_SIZE);
        engine.start();
        assertTrue(engine.awaitReady(STATE_WAIT_MS), engine.notReadyReason());
        List<Thread> workers = startWorkers(engine, mint(engine, WORKER_COUNT));
        awaitState(() -> acknowledged.size() >= PROGRESS_COUNT, "progress before the fault");
        poisonAccount = 666;
        BatchSlot slot = acquire(engine);
        byte[] poisonId = Transfers.add(slot.batch, Kernel.ISSUER, 666, 5, WORKER_COUNT + 1,
                Transfers.TIMESTAMP_BASE_MS, new byte[][] {TransferIds.genesisId("omni")}, slot.ids);
        String failure = engine.execute(slot, true);
        engine.release(slot);
        assertTrue(failure != null && failure.contains("sequencer failed") && failure.contains("partition function"),
                failure);
        awaitState(engine::isReady, "readiness after the sequencer failure");
        poisonAccount = -1;
        int ackedAtRecovery = acknowledged.size();
        awaitState(() -> acknowledged.size() >= ackedAtRecovery + PROGRESS_COUNT, "new writes after the recovery");
        stopWorkers(workers);
        assertTrue(engine.kernel().positionOf(poisonId, 0) < 0, "the failed batch left nothing in the kernel");
        checkStorage(store, engine);
        checkEverySlotFree(engine, Engine.BATCH_POOL_SIZE);
        engine.close();
        assertNull(stopReason.get());
    }

    @Test
    void aRebuildThatKeepsFailingStopsTheProcess() throws Exception {
        MemoryStore store = new MemoryStore();
        Engine engine = engine(store, Engine.BATCH_POOL_SIZE);
        engine.start();
        assertTrue(engine.awaitReady(STATE_WAIT_MS), engine.notReadyReason());
        mint(engine, WORKER_COUNT);
        // The account is stored now; from here on the kernel trips over it, in sequencing and in every replay.
        poisonAccount = account(0);
        BatchSlot slot = acquire(engine);
        Transfers.add(slot.batch, Kernel.ISSUER, account(0), 5, WORKER_COUNT + 1, Transfers.TIMESTAMP_BASE_MS,
                new byte[][] {TransferIds.genesisId("omni")}, slot.ids);
        String failure = engine.execute(slot, true);
        engine.release(slot);
        assertNotNull(failure);
        awaitState(() -> stopReason.get() != null, "the stop");
        assertTrue(stopReason.get().contains("cannot be rebuilt"), stopReason.get());
        assertTrue(engine.notReadyReason().startsWith("stopped"), engine.notReadyReason());
        BatchSlot after = acquire(engine);
        assertNotNull(engine.execute(after, true), "a write after the stop is refused");
        engine.release(after);
        engine.close();
    }

    @Test
    void aCommitSlowerThanTheDeadlineAnswers503AndItsSlotWaitsForTheCommit() throws Exception {
        int poolSize = 4;
        MemoryStore store = new MemoryStore();
        Engine engine = engine(store, poolSize);
        engine.start();
        assertTrue(engine.awaitReady(STATE_WAIT_MS), engine.notReadyReason());
        byte[][] mintIds = mint(engine, 1);
        store.holdNextCommit();
        BatchSlot slot = acquire(engine);
        fillChain(slot, account(0), 1, mintIds[0]);
        long startNs = System.nanoTime();
        String failure = engine.execute(slot, false);
        long elapsedMs = (System.nanoTime() - startNs) / 1_000_000;
        engine.release(slot);
        assertTrue(failure != null && failure.contains("no answer"), failure);
        assertTrue(elapsedMs >= SLOT_AWAIT_MS && elapsedMs <= SLOT_AWAIT_MS + ANSWER_SLACK_MS, elapsedMs + " ms");
        List<BatchSlot> held = new ArrayList<>();
        for (int i = 0; i < poolSize - 1; i++) {
            held.add(acquire(engine));
        }
        assertNull(engine.acquire(), "the abandoned slot is not reused while its batch may still commit");
        held.forEach(engine::release);
        store.releaseCommit();
        awaitState(() -> engine.committedPosition() == 1 + BATCH_SIZE, "the held commit");
        checkEverySlotFree(engine, poolSize);
        BatchSlot again = acquire(engine);
        fillChain(again, account(0), 1, mintIds[0]);
        assertNull(engine.execute(again, false));
        assertEquals(BATCH_SIZE, again.count(Result.EXISTS), "the commit that outlived its answer holds every item");
        engine.release(again);
        engine.close();
    }

    /** One issuer batch minting MINT_AMOUNT to accounts 0..count-1; their mint ids. */
    private static byte[][] mint(Engine engine, int count) throws InterruptedException {
        BatchSlot slot = acquire(engine);
        byte[] parent = TransferIds.genesisId("omni");
        for (int a = 0; a < count; a++) {
            parent = Transfers.add(slot.batch, Kernel.ISSUER, account(a), MINT_AMOUNT, a + 1,
                    Transfers.TIMESTAMP_BASE_MS, new byte[][] {parent}, slot.ids);
        }
        assertNull(engine.execute(slot, true));
        assertEquals(count, slot.count(Result.ACCEPTED));
        byte[][] ids = new byte[count][];
        for (int a = 0; a < count; a++) {
            ids[a] = Transfers.id(slot.batch, a);
        }
        engine.release(slot);
        return ids;
    }

    private List<Thread> startWorkers(Engine engine, byte[][] mintIds) {
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WORKER_COUNT; w++) {
            int worker = w;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    work(engine, account(worker), mintIds[worker]);
                } catch (Throwable e) {
                    workerFailure.compareAndSet(null, e);
                }
            }));
        }
        return threads;
    }

    /**
     * Sends chained batches from {@code sender}; a batch answered 503 is resubmitted unchanged once the node is
     * ready, so every item then answers accepted or exists.
     */
    private void work(Engine engine, long sender, byte[] parent) throws InterruptedException {
        long seq = 0;
        while (!stopWorkers) {
            while (true) {
                BatchSlot slot = acquire(engine);
                fillChain(slot, sender, seq + 1, parent);
                long startNs = System.nanoTime();
                String failure = engine.execute(slot, false);
                long elapsedMs = (System.nanoTime() - startNs) / 1_000_000;
                if (elapsedMs > SLOT_AWAIT_MS + ANSWER_SLACK_MS) {
                    throw new AssertionError("a request waited " + elapsedMs + " ms for its answer");
                }
                if (failure == null) {
                    parent = recordAnswer(slot);
                    engine.release(slot);
                    seq += BATCH_SIZE;
                    break;
                }
                engine.release(slot);
                unknownCount.incrementAndGet();
                awaitState(engine::isReady, "readiness for a resubmission after: " + failure);
            }
        }
    }

    /** Fills the slot with BATCH_SIZE chained transfers of 1 from {@code sender}, seqs from {@code firstSeq}. */
    private static void fillChain(BatchSlot slot, long sender, long firstSeq, byte[] parent) {
        for (int i = 0; i < BATCH_SIZE; i++) {
            long seq = firstSeq + i;
            parent = Transfers.add(slot.batch, sender, RECEIVER_BASE + seq % 7, 1, seq,
                    Transfers.TIMESTAMP_BASE_MS + seq, new byte[][] {parent}, slot.ids);
        }
    }

    /** Records each item's position (all must be accepted or exists); returns the last item's id. */
    private byte[] recordAnswer(BatchSlot slot) {
        TransferBatch batch = slot.batch;
        for (int i = 0; i < batch.count; i++) {
            Result result = batch.result(i);
            if (result != Result.ACCEPTED && result != Result.EXISTS) {
                throw new AssertionError("item " + i + " of a resubmitted chain answered " + result);
            }
            if (result == Result.EXISTS) {
                existsCount.incrementAndGet();
            }
            Long before = acknowledged.put(HexFormat.of().formatHex(Transfers.id(batch, i)), batch.position[i]);
            if (before != null && before != batch.position[i]) {
                throw new AssertionError("an acknowledged transfer moved from position " + before + " to "
                        + batch.position[i]);
            }
        }
        return Transfers.id(batch, batch.count - 1);
    }

    private void stopWorkers(List<Thread> workers) throws InterruptedException {
        stopWorkers = true;
        for (Thread t : workers) {
            assertTrue(t.join(Duration.ofMillis(STATE_WAIT_MS)), "a worker did not finish");
        }
        assertNull(workerFailure.get(), () -> String.valueOf(workerFailure.get()));
    }

    /**
     * Every stored id is stored once (so an item whose outcome was unknown is there once or not at all), every
     * acknowledged id is at its acknowledged position, and the engine's kernel equals one replayed from storage.
     */
    private void checkStorage(MemoryStore store, Engine engine) throws Exception {
        long last = store.lastPosition();
        assertEquals(last, engine.committedPosition());
        byte[] ids = new byte[(int) last * 32];
        store.readIds(1, last, ids, 0);
        Map<String, Long> stored = new ConcurrentHashMap<>();
        HexFormat hex = HexFormat.of();
        for (int p = 1; p <= last; p++) {
            Long other = stored.put(hex.formatHex(ids, (p - 1) * 32, p * 32), (long) p);
            assertNull(other, "position " + p + " repeats the transfer at " + other);
        }
        acknowledged.forEach((id, position) -> assertEquals(position, stored.get(id), "acknowledged " + id));
        Kernel replayed = KernelRebuild.rebuild(store, "omni", this::partitionOf, new TransferBatch());
        assertEquals(replayed.nextPosition(), engine.kernel().nextPosition());
        AccountState a = new AccountState();
        AccountState b = new AccountState();
        for (long account = 0; account < RECEIVER_BASE + 7; account++) {
            assertEquals(replayed.account(account, a), engine.kernel().account(account, b), "account " + account);
            assertArrayEquals(new long[] {a.balance, a.seq}, new long[] {b.balance, b.seq}, "account " + account);
        }
        assertEquals(0, engine.kernel().balanceSum());
    }

    /** Every slot comes back to the pool: none leaked by a failure or a timeout. */
    private static void checkEverySlotFree(Engine engine, int poolSize) throws InterruptedException {
        List<BatchSlot> slots = new ArrayList<>();
        for (int i = 0; i < poolSize; i++) {
            slots.add(acquire(engine));
        }
        slots.forEach(engine::release);
    }

    private static BatchSlot acquire(Engine engine) throws InterruptedException {
        long deadlineNs = System.nanoTime() + STATE_WAIT_MS * 1_000_000;
        for (BatchSlot slot = engine.acquire(); ; slot = engine.acquire()) {
            if (slot != null) {
                return slot;
            }
            assertFalse(System.nanoTime() > deadlineNs, "no slot came free within " + STATE_WAIT_MS + " ms");
        }
    }

    private static void awaitState(BooleanSupplier state, String what) throws InterruptedException {
        long deadlineNs = System.nanoTime() + STATE_WAIT_MS * 1_000_000;
        while (!state.getAsBoolean()) {
            if (System.nanoTime() > deadlineNs) {
                throw new AssertionError(what + ": not within " + STATE_WAIT_MS + " ms");
            }
            Thread.sleep(1);
        }
    }

    private static long account(int index) {
        return 100 + index;
    }
}
