package omni.proof;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Seals committed transfers into signed, hash-chained checkpoints (docs/proofs.md). Every interval, if
 * {@link CheckpointStore#lastPosition()} advanced, it seals positions previous lastPosition + 1 ..
 * lastPosition() (checkpoint 1 starts at 0, genesis), signs the hash with the node key, saves the
 * checkpoint, caches its Merkle levels for proofs, and calls {@code onSealed}.
 * <p>
 * One sealer per ledger: one thread here, and {@link #sealOnce()} serialised by a lock. A restart
 * continues from {@link CheckpointStore#latestCheckpoint()}. In a cluster, only the member holding the
 * sealer lease may run it; the store's unique seq is the fence: a stale sealer's save fails on the
 * duplicate seq, it rereads the latest checkpoint and continues from there, so no position is sealed twice.
 * <p>
 * After any storage failure the next attempt rereads the chain head from storage (the save may have
 * committed before the failure was seen).
 */
public final class Checkpointer implements AutoCloseable {
    /**
     * Transfers sealed by one checkpoint at most. 2^19 = 524,288 is 2.6 s of input at 200k transfers/s:
     * one seal of it hashes about a million SHA-256 (~140 ms on one core), reads 16 MiB of ids and keeps
     * 32 MiB of levels. More is sealed right after, in the same tick, so a backlog drains at 2.6x the
     * full input rate while one checkpoint stays small enough to rebuild for a cold proof.
     */
    public static final int TRANSFERS_PER_CHECKPOINT_MAX = 1 << 19;
    /** Seals per tick when behind: 8 caps one tick at 4M transfers, so stop() is seen within about a second. */
    static final int SEALS_PER_TICK_MAX = 8;
    private static final Logger LOG = Logger.getLogger(Checkpointer.class.getName());

    private final CheckpointStore store;
    private final NodeKey key;
    private final LevelCache cache;
    private final long intervalMs;
    private final Consumer<Checkpoint> onSealed;
    private final RecentIds recentIds = new RecentIds();
    private final ReentrantLock sealLock = new ReentrantLock();
    private final ReentrantLock runLock = new ReentrantLock();
    private final Condition stopped = runLock.newCondition();
    private Checkpoint head;          // guarded by sealLock; the latest sealed checkpoint
    private boolean headKnown;        // guarded by sealLock; false: reread head from storage first
    private volatile long height;
    private volatile long sealedThroughPosition = -1;
    private final AtomicLong committedPosition = new AtomicLong(-1);
    private boolean running;          // guarded by runLock
    private boolean closed;           // guarded by runLock; a closed checkpointer never starts
    private Thread thread;            // guarded by runLock
    private Gauge<Long> heightGauge;
    private Gauge<Long> lagGauge;

    /**
     * @param intervalMs OMNI_CHECKPOINT_INTERVAL_MS
     * @param onSealed   called on the sealer thread after each durable checkpoint (e.g. the bus publisher);
     *                   it must not block; a failure is logged and does not stop sealing
     */
    public Checkpointer(CheckpointStore store, NodeKey key, LevelCache cache, long intervalMs,
                        Consumer<Checkpoint> onSealed) {
        if (intervalMs < 1) {
            throw new IllegalArgumentException("checkpoint interval must be at least 1 ms, is " + intervalMs);
        }
        this.store = store;
        this.key = key;
        this.cache = cache;
        this.intervalMs = intervalMs;
        this.onSealed = onSealed;
    }

    /**
     * Reads the chain head, registers the gauges and starts the sealer thread; does nothing once
     * {@link #close()} was called (a shutdown during start-up).
     */
    public void start() throws StorageException {
        sealLock.lock();
        try {
            loadHead();
        } finally {
            sealLock.unlock();
        }
        runLock.lock();
        try {
            if (closed) {
                LOG.info("checkpointer closed before it started; not starting"); // shutdown won the race
                return;
            }
            if (running) {
                throw new IllegalStateException("checkpointer already started");
            }
            running = true;
            registerGauges();
            thread = Thread.ofPlatform().name("omni-checkpointer").daemon(true).start(this::run);
        } finally {
            runLock.unlock();
        }
    }

    /** Stops the sealer thread (a seal in progress completes) and removes the gauges. */
    @Override
    public void close() {
        Thread toJoin;
        runLock.lock();
        try {
            closed = true;
            if (!running) {
                return;
            }
            running = false;
            stopped.signalAll();
            toJoin = thread;
        } finally {
            runLock.unlock();
        }
        try {
            toJoin.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        MeterRegistry registry = Metrics.globalRegistry();
        registry.remove(heightGauge);
        registry.remove(lagGauge);
    }

    /** Seq of the latest checkpoint (0 before the first): {@code omni_checkpoint_height}. */
    public long height() {
        return height;
    }

    /**
     * Committed but not yet sealed transfers: {@code omni_checkpoint_lag_transactions}. The committed side
     * is what the last tick read from storage, or newer if {@link #noteCommitted} was told since.
     */
    public long lagTransactions() {
        return Math.max(0, committedPosition.get() - sealedThroughPosition);
    }

    /**
     * A commit event (the bus's {@code transaction.commit}): the ids of positions {@code firstPosition..
     * lastPosition}, 32 bytes each from {@code idsOffset}, durably committed. Call in position order. The
     * sealer then takes these ids from memory instead of reading them back from storage; whatever it
     * was not told is read from storage. One copy under a lock; never waits on I/O.
     */
    public void committed(long firstPosition, long lastPosition, byte[] ids, int idsOffset) {
        recentIds.add(firstPosition, lastPosition, ids, idsOffset);
        noteCommitted(lastPosition);
    }

    /**
     * Tells the lag gauge that positions up to {@code lastPosition} are committed, between ticks (wire it to
     * the bus's {@code transaction.commit} events). Cheap and non-blocking; sealing does not depend on it.
     */
    public void noteCommitted(long lastPosition) {
        committedPosition.accumulateAndGet(lastPosition, Math::max);
    }

    /**
     * Seals at most {@link #TRANSFERS_PER_CHECKPOINT_MAX} transfers committed after the chain head into
     * the next checkpoint; returns it, or null when nothing was committed since.
     */
    public Checkpoint sealOnce() throws StorageException {
        sealLock.lock();
        try {
            if (!headKnown) {
                loadHead();
            }
            long last = store.lastPosition();
            noteCommitted(last);
            long first = head == null ? 0 : head.lastPosition() + 1;
            if (last < first - 1) {
                throw new StorageException("storage has committed up to position " + last + " but checkpoint "
                        + head.seq() + " already seals up to " + head.lastPosition() + "; not sealing");
            }
            if (last < first) {
                return null;
            }
            Checkpoint sealed = seal(first, Math.min(last, first + TRANSFERS_PER_CHECKPOINT_MAX - 1));
            notifySealed(sealed);
            return sealed;
        } finally {
            sealLock.unlock();
        }
    }

    /** Called with sealLock held. */
    private Checkpoint seal(long first, long last) throws StorageException {
        int count = Math.toIntExact(last - first + 1);
        byte[] ids = new byte[count * MerkleTree.HASH_SIZE];
        if (!recentIds.read(first, last, ids, 0)) {
            store.readIds(first, last, ids, 0);
        }
        MerkleTree tree = MerkleTree.fromIdsInPlace(ids, count);
        long seq = head == null ? 1 : head.seq() + 1;
        byte[] prev = head == null ? Checkpoint.genesisPrev() : head.hash();
        // Timestamps never go back along the chain, even if the wall clock does.
        long timestamp = Math.max(System.currentTimeMillis(), head == null ? 0 : head.timestamp());
        byte[] root = tree.root();
        byte[] hash = Checkpoint.computeHash(seq, prev, first, last, count, root, timestamp);
        byte[] signature = key.sign(hash);
        if (!NodeKey.verify(key.publicKey(), hash, signature)) { // 0.3 ms a second: a broken key never seals
            throw new IllegalStateException("the node key's signature of checkpoint " + seq + " does not verify");
        }
        Checkpoint checkpoint = new Checkpoint(seq, prev, first, last, count, root, timestamp, hash, signature);
        try {
            store.saveCheckpoint(checkpoint);
        } catch (StorageException e) {
            headKnown = false;
            throw e;
        }
        head = checkpoint;
        height = seq;
        sealedThroughPosition = last;
        cache.put(checkpoint, tree);
        return checkpoint;
    }

    private void loadHead() throws StorageException {
        head = store.latestCheckpoint();
        headKnown = true;
        height = head == null ? 0 : head.seq();
        sealedThroughPosition = head == null ? -1 : head.lastPosition();
    }

    private void notifySealed(Checkpoint checkpoint) {
        try {
            onSealed.accept(checkpoint);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "checkpoint " + checkpoint.seq() + " sealed; its onSealed hook failed", e);
        }
    }

    /** Fixed-rate ticks: the seal time does not push later ticks back, so the lag stays within two intervals. */
    private void run() {
        long nextTickNanos = System.nanoTime();
        while (awaitTick(nextTickNanos)) {
            tick();
            nextTickNanos += TimeUnit.MILLISECONDS.toNanos(intervalMs);
            long now = System.nanoTime();
            if (now - nextTickNanos > TimeUnit.MILLISECONDS.toNanos(intervalMs)) {
                nextTickNanos = now; // far behind (a long storage stall): no burst of catch-up ticks
            }
        }
    }

    private void tick() {
        try {
            for (int i = 0; i < SEALS_PER_TICK_MAX; i++) {
                Checkpoint sealed = sealOnce();
                if (sealed == null || sealed.count() < TRANSFERS_PER_CHECKPOINT_MAX) {
                    return;
                }
            }
        } catch (StorageException | RuntimeException e) {
            LOG.log(Level.WARNING, "sealing a checkpoint failed (head seq=" + height + ", sealed through position "
                    + sealedThroughPosition + "); retrying next interval: " + e.getMessage(), e);
        }
    }

    /** Waits until {@code tickNanos}; false once stopped. */
    private boolean awaitTick(long tickNanos) {
        runLock.lock();
        try {
            long waitNanos;
            while (running && (waitNanos = tickNanos - System.nanoTime()) > 0) {
                stopped.awaitNanos(waitNanos);
            }
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            runLock.unlock();
        }
    }

    /** The gauges follow the checkpointer started last (a process runs one; tests run several in turn). */
    private void registerGauges() {
        MeterRegistry registry = Metrics.globalRegistry();
        registry.remove("omni_checkpoint_height", List.of());
        registry.remove("omni_checkpoint_lag_transactions", List.of());
        heightGauge = registry.getOrCreate(Gauge.builder("omni_checkpoint_height", this::height)
                .description("Seq of the latest sealed checkpoint"));
        lagGauge = registry.getOrCreate(Gauge.builder("omni_checkpoint_lag_transactions", this::lagTransactions)
                .description("Committed transfers not yet sealed into a checkpoint"));
    }
}
