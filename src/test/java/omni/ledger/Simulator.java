package omni.ledger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import omni.kernel.AccountState;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/**
 * One seeded run of the engine over a {@link MemoryStore} with injected faults, driven by one client that sends
 * one request at a time, valid transfers with invalid ones mixed in. Everything random comes from the seed,
 * and each fault is tied to a client step or to the next append, never to a clock, so the same seed gives the
 * same run. After every step it checks the invariants of the stored ledger and, when the node is ready, that
 * the kernel equals the fold of storage (see docs/engine.md, "Simulator").
 */
final class Simulator {
    /** Users 1..ACCOUNT_COUNT besides the issuer: few, so that transfers collide on seqs and balances. */
    static final int ACCOUNT_COUNT = 6;
    /** Items per request at most: small batches give many steps, and group commits of one batch each. */
    private static final int BATCH_ITEM_COUNT_MAX = 6;
    /** Per mille of steps that inject a fault: one step in eight, so a 30-step run sees about four. */
    private static final int FAULT_PER_MILLE = 125;
    /** Per mille of faults that are slow commits: each costs SLOT_AWAIT_MS of real time, so they are rare. */
    private static final int SLOW_COMMIT_PER_MILLE = 30;
    /** Per mille of faults that are outages (then crashes between requests, then faults at the next append). */
    private static final int OUTAGE_PER_MILLE = 70;
    private static final int IDLE_CRASH_PER_MILLE = 70;
    /**
     * Per mille of append faults that crash the node: a restart builds a whole new engine (its batch buffers and
     * kernel, tens of MB), the costliest step here, so crashes are a fifth and the typed and unexpected failures,
     * which rebuild only the kernel, share the rest.
     */
    private static final int APPEND_CRASH_PER_MILLE = 200;
    /** Steps an outage lasts at most. */
    private static final int OUTAGE_STEP_COUNT_MAX = 4;
    /**
     * The simulator's slot deadline: a slow commit holds its COMMIT until the request answered 503 at this
     * deadline. A request that is not held takes well under a millisecond here, so 50 ms is missed only by a
     * stalled machine; such an answer is counted in the summary as timing-dependent (the checks still hold).
     */
    static final long SLOT_AWAIT_MS = 50;
    /** Probes every millisecond, so a recovery takes milliseconds, not a second as in production. */
    private static final long PROBE_INTERVAL_MS = 1;
    /**
     * One slot and one read batch: the client sends one request at a time, and waits for the pipeline to be done
     * with one that answered at its deadline before the next. Each batch buffer is about 2 MB to allocate, and
     * engines are built by the thousand here.
     */
    private static final int BATCH_POOL_SIZE = 1;
    /** How long the node may take to serve again after a fault ends before that is a violation. */
    private static final long READY_WAIT_MS = 10_000;
    private static final long MINT_AMOUNT_MAX = 1_000;

    /** What a run found; violations are empty when every check held. */
    record Report(long seed, int steps, Map<String, Integer> faults, int requests, int unavailable,
                  int timingDependent, long acknowledged, long rejected, long storedDigest, List<String> violations) {
    }

    /** One transfer as the client sent it, so that it can be sent again unchanged. */
    private record Tx(long sender, long receiver, long amount, long seq, long timestampMs, byte[][] parents,
                      boolean malformed) {
    }

    private final long seed;
    private final int stepCount;
    private final SplittableRandom random;
    private final MemoryStore store = new MemoryStore();
    private final TransferIds ids = new TransferIds();
    /** The checker's read buffer, shared by the seeds of one run (they run one after another). */
    private final TransferBatch scratch;
    private final HexFormat hex = HexFormat.of();
    private final Map<String, Integer> faults = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    private volatile String stopReason;
    private Engine engine;
    private int step;
    private int requests;
    private int unavailable;
    private int timingDependent;
    private long rejected;
    private int outageStepsLeft;
    /** The fault armed for the next append, for the summary once it fires. */
    private String armedFault;

    // The client's view: balances and seqs read from the node, ids it knows exist, and what it was told.
    private final long[] balance = new long[ACCOUNT_COUNT + 1];
    private final long[] seq = new long[ACCOUNT_COUNT + 1];
    private final List<byte[]> knownIds = new ArrayList<>();
    private final List<Tx> acknowledgedTxs = new ArrayList<>();
    private final Map<String, Long> acknowledged = new HashMap<>();
    /** The request whose answer was 503 (or lost in a crash): resubmitted unchanged, or given up. */
    private List<Tx> pending;

    // The checker's fold of storage, advanced after every step.
    private final Map<String, Long> storedPositions = new HashMap<>();
    private final Map<Long, long[]> folded = new TreeMap<>();
    private long checkedPosition;
    /** A hash of the stored ids in position order: two runs of a seed store the same ledger when they agree. */
    private long storedDigest;

    Simulator(long seed, int stepCount, TransferBatch scratch) {
        this.seed = seed;
        this.scratch = scratch;
        this.stepCount = stepCount;
        this.random = new SplittableRandom(seed);
    }

    Report run() throws InterruptedException {
        startEngine();
        try {
            for (step = 1; step <= stepCount && violations.isEmpty(); step++) {
                runStep();
            }
        } finally {
            engine.close();
        }
        return new Report(seed, step - 1, faults, requests, unavailable, timingDependent, acknowledged.size(),
                rejected, storedDigest, violations);
    }

    private void runStep() throws InterruptedException {
        if (outageStepsLeft > 0 && --outageStepsLeft == 0) {
            store.setAvailable(true);
        }
        if (outageStepsLeft == 0 && !awaitReady()) {
            return;
        }
        if (outageStepsLeft == 0) {
            refreshView();
        }
        if (random.nextInt(1000) < FAULT_PER_MILLE) {
            injectFault();
        }
        List<Tx> request = pending != null && random.nextInt(4) != 0 ? pending : newRequest();
        pending = null;
        send(request);
        if (store.crashed()) {
            crash();
        }
        check();
    }

    /** A fault decided by the seed: at the next append, a slow commit, an outage, or a crash between requests. */
    private void injectFault() throws InterruptedException {
        int kind = random.nextInt(1000);
        if (kind < SLOW_COMMIT_PER_MILLE) {
            store.holdNextCommit();
        } else if (kind < SLOW_COMMIT_PER_MILLE + OUTAGE_PER_MILLE) {
            if (outageStepsLeft == 0) {
                count("outage");
                store.setAvailable(false);
                outageStepsLeft = 1 + random.nextInt(OUTAGE_STEP_COUNT_MAX);
            }
        } else if (kind < SLOW_COMMIT_PER_MILLE + OUTAGE_PER_MILLE + IDLE_CRASH_PER_MILLE) {
            count("crash between requests");
            crash();
            check();
        } else {
            MemoryStore.Step at = MemoryStore.Step.values()[random.nextInt(MemoryStore.Step.values().length)];
            MemoryStore.Kind what = random.nextInt(1000) < APPEND_CRASH_PER_MILLE ? MemoryStore.Kind.CRASH
                    : random.nextBoolean() ? MemoryStore.Kind.STORE_EXCEPTION : MemoryStore.Kind.RUNTIME_EXCEPTION;
            store.failNextAppend(at, what);
            armedFault = (what + " " + at).toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    private void send(List<Tx> request) throws InterruptedException {
        BatchSlot slot = engine.acquire();
        if (slot == null) {
            violation("no batch slot free for the only client");
            return;
        }
        boolean issuer = false;
        for (Tx tx : request) {
            Transfers.add(slot.batch, tx.sender, tx.receiver, tx.amount, tx.seq, tx.timestampMs, tx.parents, ids);
            if (tx.malformed) {
                slot.batch.result[slot.batch.count - 1] = Result.MALFORMED.code();
            }
            issuer |= tx.sender == Kernel.ISSUER;
        }
        requests++;
        String failure = engine.execute(slot, issuer);
        if (store.firedStep() != null) {
            count(armedFault);
            store.failNextAppend(null, null);
        }
        if (failure != null && failure.startsWith("no answer")) {
            awaitPipelineDone(slot);
        }
        if (failure == null && !store.crashed()) {
            record(slot.batch);
        } else {
            unavailable++;
            pending = request;
        }
        engine.release(slot);
    }

    private void record(TransferBatch batch) {
        for (int i = 0; i < batch.count; i++) {
            Result result = batch.result(i);
            if (result != Result.ACCEPTED && result != Result.EXISTS) {
                rejected++;
                continue;
            }
            byte[] id = Transfers.id(batch, i);
            String key = hex.formatHex(id);
            Long before = acknowledged.put(key, batch.position[i]);
            if (before != null && before != batch.position[i]) {
                violation("transfer " + key + " acknowledged at " + before + ", then at " + batch.position[i]);
            }
            if (before == null) {
                knownIds.add(id);
                acknowledgedTxs.add(new Tx(batch.sender[i], batch.receiver[i], batch.amount[i], batch.seq[i],
                        batch.timestamp[i], parentsOf(batch, i), false));
            }
        }
    }

    /** Drops the node and what its store had not committed, and starts a new node on the same store. */
    private void crash() throws InterruptedException {
        engine.close();
        store.restart();
        startEngine();
        if (outageStepsLeft == 0 && awaitReady()) {
            check();
        }
    }

    private void startEngine() {
        engine = new Engine(store, "omni", account -> (int) (account % Kernel.PARTITION_COUNT),
                new PipelineBounds(BATCH_POOL_SIZE, 1, SLOT_AWAIT_MS, PROBE_INTERVAL_MS, reason -> stopReason = reason));
        engine.start();
    }

    // ---- the client's requests ------------------------------------------------------------------------

    private void refreshView() {
        Kernel kernel = engine.kernel();
        AccountState state = new AccountState();
        for (int a = 0; a <= ACCOUNT_COUNT; a++) {
            boolean known = kernel.account(a, state);
            balance[a] = known ? state.balance : 0;
            seq[a] = known ? state.seq : 0;
        }
    }

    /** 1..BATCH_ITEM_COUNT_MAX items: mostly valid, with every kind of invalid transfer mixed in. */
    private List<Tx> newRequest() {
        int count = 1 + random.nextInt(BATCH_ITEM_COUNT_MAX);
        List<Tx> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long timestampMs = Transfers.TIMESTAMP_BASE_MS + step * 16L + i;
            int kind = random.nextInt(100);
            if (kind < 15) {
                items.add(mint(timestampMs));
            } else if (kind < 70) {
                items.add(transfer(timestampMs));
            } else {
                items.add(invalid(kind, timestampMs, items));
            }
        }
        return items;
    }

    private Tx mint(long timestampMs) {
        long receiver = 1 + random.nextInt(ACCOUNT_COUNT);
        long amount = 1 + random.nextLong(MINT_AMOUNT_MAX);
        balance[(int) receiver] += amount;
        return new Tx(Kernel.ISSUER, receiver, amount, ++seq[0], timestampMs, parents(), false);
    }

    private Tx transfer(long timestampMs) {
        int sender = 1 + random.nextInt(ACCOUNT_COUNT);
        if (balance[sender] <= 0) {
            return mint(timestampMs);
        }
        long receiver = 1 + (sender + random.nextInt(ACCOUNT_COUNT - 1)) % ACCOUNT_COUNT;
        long amount = 1 + random.nextLong(balance[sender]);
        balance[sender] -= amount;
        balance[(int) receiver] += amount;
        return new Tx(sender, receiver, amount, ++seq[sender], timestampMs, parents(), false);
    }

    /**
     * An invalid item: a seq gap or a reused seq, a missing parent, insufficient funds, a duplicate of an
     * acknowledged transfer or of an earlier item of this request, one that ingest found malformed, a zero amount,
     * a timestamp an hour ahead. The client's view may be stale (a request whose outcome it does not know), so
     * some of these are accepted after all; the checks do not depend on which.
     */
    private Tx invalid(int kind, long timestampMs, List<Tx> earlier) {
        int sender = 1 + random.nextInt(ACCOUNT_COUNT);
        long receiver = 1 + sender % ACCOUNT_COUNT;
        return switch (kind % 9) {
            case 0 -> new Tx(sender, receiver, 1, seq[sender] + 2 + random.nextInt(3), timestampMs, parents(), false);
            case 1 -> new Tx(sender, receiver, 1, Math.max(1, seq[sender]), timestampMs, parents(), false);
            case 2 -> {
                byte[] missing = new byte[TransferBatch.ID_SIZE];
                random.nextBytes(missing);
                yield new Tx(sender, receiver, 1, seq[sender] + 1, timestampMs, new byte[][] {missing}, false);
            }
            case 3 -> new Tx(sender, receiver, balance[sender] + 1 + random.nextInt(1000), seq[sender] + 1,
                    timestampMs, parents(), false);
            case 4 -> acknowledgedTxs.isEmpty() ? new Tx(sender, sender, 1, seq[sender] + 1, timestampMs, parents(), false)
                    : acknowledgedTxs.get(random.nextInt(acknowledgedTxs.size()));
            case 5 -> earlier.isEmpty() ? new Tx(sender, sender, 1, seq[sender] + 1, timestampMs, parents(), false)
                    : earlier.get(random.nextInt(earlier.size()));
            case 6 -> new Tx(sender, receiver, 1, seq[sender] + 1, timestampMs, parents(), true);
            case 7 -> new Tx(sender, receiver, 0, seq[sender] + 1, timestampMs, parents(), false);
            default -> new Tx(sender, receiver, 1, seq[sender] + 1, System.currentTimeMillis() + 3_600_000L,
                    parents(), false);
        };
    }

    /** One or two ids the client knows exist (genesis before any). */
    private byte[][] parents() {
        if (knownIds.isEmpty()) {
            return new byte[][] {TransferIds.genesisId("omni")};
        }
        byte[] first = knownIds.get(knownIds.size() - 1 - random.nextInt(Math.min(8, knownIds.size())));
        byte[] second = knownIds.get(random.nextInt(knownIds.size()));
        return java.util.Arrays.equals(first, second) ? new byte[][] {first} : new byte[][] {first, second};
    }

    private static byte[][] parentsOf(TransferBatch batch, int i) {
        byte[][] parents = new byte[batch.parentCount[i]][];
        for (int p = 0; p < parents.length; p++) {
            int from = batch.parentOffset[i] + p * TransferBatch.ID_SIZE;
            parents[p] = java.util.Arrays.copyOfRange(batch.parents, from, from + TransferBatch.ID_SIZE);
        }
        return parents;
    }

    // ---- the checks --------------------------------------------------------------------------------------

    /**
     * Storage: every position 1..last stored once and contiguous, no id twice, every acknowledged transfer at its
     * position, balances summing to 0 with only the issuer negative; and the kernel equals the fold when ready.
     */
    private void check() {
        long last = store.committedLastPosition();
        if (last < checkedPosition) {
            violation("storage lost positions " + (last + 1) + ".." + checkedPosition);
            return;
        }
        store.inspect(checkedPosition + 1, last, scratch);
        for (int i = 0; i < scratch.count; i++) {
            fold(i);
        }
        if (checkedPosition != last) {
            violation("positions not contiguous: checked up to " + checkedPosition + " of " + last);
        }
        acknowledged.forEach((id, position) -> {
            Long stored = storedPositions.get(id);
            if (!position.equals(stored)) {
                violation("acknowledged transfer " + id + " at position " + position + " is stored at " + stored);
            }
        });
        long sum = 0;
        for (Map.Entry<Long, long[]> e : folded.entrySet()) {
            sum += e.getValue()[0];
            if (e.getKey() != Kernel.ISSUER && e.getValue()[0] < 0) {
                violation("account " + e.getKey() + " has balance " + e.getValue()[0]);
            }
        }
        if (sum != 0) {
            violation("stored balances sum to " + sum);
        }
        if (stopReason != null) {
            violation("the engine stopped: " + stopReason);
        }
        if (outageStepsLeft == 0 && engine.isReady() && !store.crashed()) {
            checkKernelEqualsStore();
        }
    }

    private void fold(int i) {
        long position = scratch.position[i];
        if (position != checkedPosition + 1) {
            violation("storage delivered position " + position + " where " + (checkedPosition + 1) + " was next");
        }
        checkedPosition = position;
        String id = hex.formatHex(scratch.id, i * TransferBatch.ID_SIZE, (i + 1) * TransferBatch.ID_SIZE);
        storedDigest = storedDigest * 31 + id.hashCode();
        Long other = storedPositions.put(id, position);
        if (other != null) {
            violation("transfer " + id + " stored twice, at " + other + " and " + position);
        }
        long[] sender = folded.computeIfAbsent(scratch.sender[i], a -> new long[3]);
        if (scratch.seq[i] != sender[1] + 1) {
            violation("position " + position + ": seq " + scratch.seq[i] + " after " + sender[1]);
        }
        sender[0] -= scratch.amount[i];
        sender[1] = scratch.seq[i];
        sender[2]++;
        long[] receiver = folded.computeIfAbsent(scratch.receiver[i], a -> new long[3]);
        receiver[0] += scratch.amount[i];
        receiver[2]++;
    }

    private void checkKernelEqualsStore() {
        Kernel kernel = engine.kernel();
        if (kernel == null) {
            return;
        }
        if (kernel.nextPosition() != checkedPosition + 1) {
            violation("kernel's next position " + kernel.nextPosition() + ", storage holds up to " + checkedPosition);
        }
        AccountState state = new AccountState();
        for (Map.Entry<Long, long[]> e : folded.entrySet()) {
            long[] f = e.getValue();
            if (!kernel.account(e.getKey(), state) || state.balance != f[0] || state.seq != f[1]
                    || state.transferCount != f[2]) {
                violation("account " + e.getKey() + ": kernel balance " + state.balance + " seq " + state.seq
                        + " transfers " + state.transferCount + ", storage " + f[0] + " " + f[1] + " " + f[2]);
            }
        }
        if (kernel.balanceSum() != 0) {
            violation("kernel balances sum to " + kernel.balanceSum());
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** Polls readiness; not ready within READY_WAIT_MS is a violation (the node must serve again). */
    private boolean awaitReady() throws InterruptedException {
        long deadlineNs = System.nanoTime() + READY_WAIT_MS * 1_000_000;
        while (!engine.isReady()) {
            if (System.nanoTime() > deadlineNs) {
                violation("not ready " + READY_WAIT_MS + " ms after the fault ended: " + engine.notReadyReason());
                return false;
            }
            Thread.sleep(0, 200_000);
        }
        return true;
    }

    /**
     * The request answered 503 at its deadline while the pipeline still held its batch: either its COMMIT is held
     * (a slow commit, released now) or the machine stalled (counted as timing-dependent). Either way the next
     * step waits until the pipeline is done with the batch, so that no request is in flight during the checks.
     */
    private void awaitPipelineDone(BatchSlot slot) throws InterruptedException {
        long deadlineNs = System.nanoTime() + READY_WAIT_MS * 1_000_000;
        while (slot.abandoned() && !store.commitHeld()) {
            if (System.nanoTime() > deadlineNs) {
                violation("the pipeline held a batch " + READY_WAIT_MS + " ms past its deadline");
                return;
            }
            Thread.sleep(0, 200_000);
        }
        if (store.commitHeld()) {
            count("slow commit");
            store.releaseCommit();
        } else {
            timingDependent++;
        }
        while (slot.abandoned()) {
            if (System.nanoTime() > deadlineNs) {
                violation("a released slow commit did not complete within " + READY_WAIT_MS + " ms");
                return;
            }
            Thread.sleep(0, 200_000);
        }
    }

    private void count(String fault) {
        faults.merge(fault, 1, Integer::sum);
    }

    private void violation(String what) {
        violations.add("step " + step + ": " + what);
    }
}
