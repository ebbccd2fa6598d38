package omni.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import omni.proof.Checkpoint;

/**
 * A real {@link Store} in memory, with the faults of a database the engine must survive: an append writes its
 * rows into a transaction (the COPY), then commits them (the COMMIT), and a fault armed for the next append fires
 * before the COPY, after it (the transaction rolls back) or after the COMMIT (the rows are durable but the caller
 * sees a failure), as the store's typed {@link StoreException} or as an unexpected RuntimeException. A COMMIT can
 * be held until the test lets it go (a slow commit); the storage can be unavailable for a while; and a crash
 * severs every call until {@link #restart}, which drops what was not committed, as a killed process loses its
 * open transaction. Used by {@link PipelineFailureTest} and {@link Simulator}.
 */
final class MemoryStore implements Store {
    /** Where in an append an armed fault fires. */
    enum Step { BEFORE_COPY, AFTER_COPY, AFTER_COMMIT }

    /** What an armed fault does: throw the store's typed failure, an unexpected one, or crash the node. */
    enum Kind { STORE_EXCEPTION, RUNTIME_EXCEPTION, CRASH }

    /** A held COMMIT waits at most this long for the test to let it go, so a broken test cannot hang. */
    private static final long HOLD_WAIT_MS_MAX = 60_000;

    private record Row(long sender, long receiver, long amount, long seq, long timestamp, byte[] id, byte[] parents,
                       byte[] memo) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Row> rows = new ArrayList<>();
    /** Rows of the append in progress: written, not committed. */
    private final List<Row> uncommitted = new ArrayList<>();
    private final Map<String, Long> meta = new HashMap<>();
    private final TreeMap<Long, Checkpoint> checkpoints = new TreeMap<>();
    private String ledgerName;
    private volatile boolean available = true;
    private volatile boolean crashed;
    private Step faultStep;
    private Kind faultKind;
    private Step firedStep;
    private CountDownLatch commitHold;
    /** The hold an append is waiting on, so that releaseCommit also reaches one that already took it. */
    private CountDownLatch heldCommit;

    /** Arms one fault for the next append that has rows. */
    void failNextAppend(Step step, Kind kind) {
        lock.lock();
        try {
            faultStep = step;
            faultKind = kind;
            firedStep = null;
        } finally {
            lock.unlock();
        }
    }

    /** Where the armed fault fired, or null if no append reached it yet. */
    Step firedStep() {
        lock.lock();
        try {
            return firedStep;
        } finally {
            lock.unlock();
        }
    }

    /** The next append with rows waits after its COPY until {@link #releaseCommit} (or HOLD_WAIT_MS_MAX). */
    void holdNextCommit() {
        lock.lock();
        try {
            commitHold = new CountDownLatch(1);
        } finally {
            lock.unlock();
        }
    }

    void releaseCommit() {
        lock.lock();
        try {
            for (CountDownLatch hold : new CountDownLatch[] {commitHold, heldCommit}) {
                if (hold != null) {
                    hold.countDown();
                }
            }
            commitHold = null;
            heldCommit = null;
        } finally {
            lock.unlock();
        }
    }

    /** Storage unavailable: every call fails with StoreException and ping answers false, until set back. */
    void setAvailable(boolean available) {
        this.available = available;
    }

    /** After a crash: what was not committed is gone, and the store answers again (the restarted node's). */
    void restart() {
        lock.lock();
        try {
            uncommitted.clear();
            faultStep = null;
            crashed = false;
        } finally {
            lock.unlock();
        }
    }

    boolean crashed() {
        return crashed;
    }

    /** Whether an append took the armed hold of {@link #holdNextCommit} (a slow commit happened). */
    boolean commitHeld() {
        lock.lock();
        try {
            return heldCommit != null;
        } finally {
            lock.unlock();
        }
    }

    /** Highest committed position, read as an auditor would: past any injected fault. */
    long committedLastPosition() {
        lock.lock();
        try {
            return rows.size() - 1;
        } finally {
            lock.unlock();
        }
    }

    /** Committed positions [from, to] into {@code scratch}, one chunk, past any injected fault (for checkers). */
    void inspect(long fromPosition, long toPosition, TransferBatch scratch) {
        lock.lock();
        try {
            scratch.clear();
            for (long p = fromPosition; p <= toPosition && p < rows.size(); p++) {
                fill(p, scratch);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override public String kind() {
        return "memory";
    }

    @Override public String description() {
        return "memory store";
    }

    @Override public boolean holdsLedger() throws StoreException {
        lock.lock();
        try {
            reachable("holdsLedger");
            return ledgerName != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void open(String name) throws StoreException {
        lock.lock();
        try {
            reachable("open");
            if (ledgerName != null && !ledgerName.equals(name)) {
                throw new StoreException(description() + " holds the ledger of '" + ledgerName + "', not '" + name + "'");
            }
            if (ledgerName == null) {
                ledgerName = name;
                rows.add(new Row(0, 0, 0, 0, 0, TransferIds.genesisId(name), new byte[0], TransferIds.genesisMemo(name)));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void append(TransferBatch[] batches, int batchCount) throws StoreException {
        CountDownLatch hold;
        lock.lock();
        try {
            reachable("append");
            long first = rows.size();
            if (JdbcStore.acceptedCount(batches, batchCount) == 0) {
                return;
            }
            fault(Step.BEFORE_COPY);
            copy(batches, batchCount, first);
            fault(Step.AFTER_COPY);
            hold = commitHold;
            commitHold = null;
            heldCommit = hold;
        } catch (StoreException | RuntimeException e) {
            uncommitted.clear();
            throw e;
        } finally {
            lock.unlock();
        }
        awaitHold(hold);
        lock.lock();
        try {
            reachable("append commit");
            rows.addAll(uncommitted);
            uncommitted.clear();
            fault(Step.AFTER_COMMIT);
        } catch (StoreException e) {
            uncommitted.clear();
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** The COPY: the accepted items into the transaction, checking that their positions follow the stored ones. */
    private void copy(TransferBatch[] batches, int batchCount, long first) {
        byte accepted = Result.ACCEPTED.code();
        long expected = first;
        for (int b = 0; b < batchCount; b++) {
            TransferBatch batch = batches[b];
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] != accepted) {
                    continue;
                }
                if (batch.position[i] != expected) {
                    throw new IllegalStateException("append: batch " + b + " item " + i + " has position "
                            + batch.position[i] + " where " + expected + " is next");
                }
                uncommitted.add(new Row(batch.sender[i], batch.receiver[i], batch.amount[i], batch.seq[i],
                        batch.timestamp[i], Arrays.copyOfRange(batch.id, i * 32, i * 32 + 32),
                        Arrays.copyOfRange(batch.parents, batch.parentOffset[i],
                                batch.parentOffset[i] + batch.parentCount[i] * TransferBatch.ID_SIZE),
                        Arrays.copyOfRange(batch.memos, batch.memoOffset[i], batch.memoOffset[i] + batch.memoSize[i])));
                expected++;
            }
        }
    }

    private static void awaitHold(CountDownLatch hold) throws StoreException {
        if (hold == null) {
            return;
        }
        try {
            if (!hold.await(HOLD_WAIT_MS_MAX, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("a held commit was not released within " + HOLD_WAIT_MS_MAX + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("append interrupted while its commit was held", e);
        }
    }

    /** Fires the armed fault if it is for {@code step}; a crash severs the store until {@link #restart}. */
    private void fault(Step step) throws StoreException {
        if (faultStep != step) {
            return;
        }
        Kind kind = faultKind;
        faultStep = null;
        firedStep = step;
        String what = "injected " + kind + " " + step + " of an append on " + description();
        switch (kind) {
            case STORE_EXCEPTION -> throw new StoreException(what);
            case RUNTIME_EXCEPTION -> throw new IllegalStateException(what);
            case CRASH -> {
                crashed = true;
                throw new StoreException(what + ": the node is gone");
            }
        }
    }

    private void reachable(String what) throws StoreException {
        if (crashed) {
            throw new StoreException(what + " on " + description() + ": the node crashed");
        }
        if (!available) {
            throw new StoreException(what + " on " + description() + ": storage unavailable");
        }
    }

    @Override
    public long lastPosition() throws StoreException {
        lock.lock();
        try {
            reachable("lastPosition");
            return rows.size() - 1;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void scan(long fromPosition, long toPosition, TransferBatch scratch, ScanConsumer consumer)
            throws StoreException {
        // Locked while a chunk is filled, not while the consumer has it: scans may run on several threads at once.
        for (long p = fromPosition; p <= toPosition; ) {
            lock.lock();
            try {
                reachable("scan");
                scratch.clear();
                for (; p <= toPosition && p < rows.size() && scratch.count < TransferBatch.ITEM_COUNT_MAX; p++) {
                    fill(p, scratch);
                }
                if (scratch.count == 0) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            consumer.accept(scratch);
        }
    }

    @Override
    public boolean readTransfer(long position, TransferBatch out) throws StoreException {
        lock.lock();
        try {
            reachable("readTransfer");
            out.clear();
            if (position < 0 || position >= rows.size()) {
                return false;
            }
            fill(position, out);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Appends stored position {@code position} as the next item of {@code out}, as JdbcStore.fill does. */
    private void fill(long position, TransferBatch out) {
        Row row = rows.get((int) position);
        int i = out.count;
        out.position[i] = position;
        System.arraycopy(row.id, 0, out.id, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
        out.sender[i] = row.sender;
        out.receiver[i] = row.receiver;
        out.amount[i] = row.amount;
        out.seq[i] = row.seq;
        out.timestamp[i] = row.timestamp;
        out.parentCount[i] = row.parents.length / TransferBatch.ID_SIZE;
        out.parentOffset[i] = out.reserveParents(out.parentCount[i]);
        System.arraycopy(row.parents, 0, out.parents, out.parentOffset[i], row.parents.length);
        out.memoSize[i] = row.memo.length;
        out.memoOffset[i] = out.reserveMemo(row.memo.length);
        System.arraycopy(row.memo, 0, out.memos, out.memoOffset[i], row.memo.length);
        out.idGiven[i] = false;
        out.result[i] = Result.ACCEPTED.code();
        out.count = i + 1;
    }

    @Override
    public int accountHistory(long account, long beforePosition, int limit, long[] outPositions)
            throws StoreException {
        lock.lock();
        try {
            reachable("accountHistory");
            int n = 0;
            for (long p = Math.min(beforePosition, rows.size()) - 1; p >= 1 && n < limit; p--) {
                Row row = rows.get((int) p);
                if (row.sender == account || row.receiver == account) {
                    outPositions[n++] = p;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void scanBalances(BalanceConsumer consumer) throws StoreException {
        TreeMap<Long, long[]> accounts = new TreeMap<>();
        lock.lock();
        try {
            reachable("scanBalances");
            for (int p = 1; p < rows.size(); p++) {
                Row row = rows.get(p);
                long[] sender = accounts.computeIfAbsent(row.sender, a -> new long[3]);
                sender[0] -= row.amount;
                sender[1] = Math.max(sender[1], row.seq);
                sender[2]++;
                long[] receiver = accounts.computeIfAbsent(row.receiver, a -> new long[3]);
                receiver[0] += row.amount;
                receiver[2]++;
            }
        } finally {
            lock.unlock();
        }
        for (Map.Entry<Long, long[]> e : accounts.entrySet()) {
            consumer.accept(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]);
        }
    }

    @Override
    public long getMeta(String key, long missing) throws StoreException {
        lock.lock();
        try {
            reachable("getMeta");
            return meta.getOrDefault(key, missing);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void putMeta(String key, long value) throws StoreException {
        lock.lock();
        try {
            reachable("putMeta");
            meta.put(key, value);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean ping() {
        return available && !crashed;
    }

    @Override
    public void close() {
        // Nothing to release: the rows stay for the next engine, as a database outlives its clients.
    }

    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) throws StoreException {
        lock.lock();
        try {
            reachable("readIds");
            if (fromPosition < 0 || toPosition >= rows.size()) {
                throw new StoreException("readIds positions " + fromPosition + ".." + toPosition + " on "
                        + description() + ": position " + rows.size() + " is not committed");
            }
            for (long p = fromPosition; p <= toPosition; p++) {
                System.arraycopy(rows.get((int) p).id, 0, out, outOffset + (int) (p - fromPosition) * 32, 32);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void saveCheckpoint(Checkpoint checkpoint) throws StoreException {
        lock.lock();
        try {
            reachable("saveCheckpoint");
            if (checkpoints.putIfAbsent(checkpoint.seq(), checkpoint) != null) {
                throw new StoreException("checkpoint " + checkpoint.seq() + " exists on " + description());
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Checkpoint latestCheckpoint() throws StoreException {
        lock.lock();
        try {
            reachable("latestCheckpoint");
            return checkpoints.isEmpty() ? null : checkpoints.lastEntry().getValue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Checkpoint checkpoint(long seq) throws StoreException {
        lock.lock();
        try {
            reachable("checkpoint");
            return checkpoints.get(seq);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Checkpoint> checkpoints(long fromSeq, long toSeq) throws StoreException {
        lock.lock();
        try {
            reachable("checkpoints");
            return new ArrayList<>(checkpoints.subMap(fromSeq, true, toSeq, true).values());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Checkpoint checkpointCovering(long position) throws StoreException {
        lock.lock();
        try {
            reachable("checkpointCovering");
            for (Checkpoint c : checkpoints.values()) {
                if (c.firstPosition() <= position && position <= c.lastPosition()) {
                    return c;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }
}
