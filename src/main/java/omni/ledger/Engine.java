package omni.ledger;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongToIntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.StatelessPool;
import omni.kernel.TransferBatch;

/**
 * The write pipeline: batch pool, parallel stateless phase, sequencer (the single writer of the
 * {@link Kernel}), group committer, recovery and storage-outage handling (docs/engine.md).
 *
 * <pre>
 * request thread: acquire() slot -> fill slot.batch -> execute(): stateless checks -> sequencerQueue
 * sequencer:      Kernel.validateStateful (positions, effects in memory)         -> committerQueue
 * committer:      drain waiting batches up to COMMIT_TRANSFER_COUNT_MAX -> ONE Store.append
 *                 -> complete the slots in order -> CommitListener (bus)
 * request thread: encode the answer from slot.batch -> release(slot)
 * </pre>
 *
 * Every batch passes the committer, even one without an accepted item, so that no answer (not even
 * {@code exists}) leaves before everything sequenced earlier is durable. When an append fails, the kernel
 * holds effects that storage does not: the engine turns not ready with the reason, answers every waiting
 * and new write with a failure (the gateway says 503), probes storage every second, and when it answers,
 * replays a fresh kernel from storage and turns ready again. There is no other storage to fall back to.
 * Any other failure of the sequencer or the committer is handled the same way (docs/engine.md, "Failure
 * policy"); a rebuild that keeps failing stops the process. A request waits for its answer at most
 * {@link #SLOT_AWAIT_MS}.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class.getName());

    /**
     * Batches in flight at once, each about 2.3 MB (a TransferBatch of 10,000 items plus buffers), so 48 take
     * about 110 MB of heap. At 1,000 transfers a request and a group commit of a few milliseconds, 200k
     * transfers/s needs about 2 commits' worth of batches in flight (sequencing, committing, answering), so
     * 48 leaves room for 48 concurrent client connections. Slots are the single admission point: every queue
     * below is sized to hold all of them, and a request that finds no free slot answers 503.
     */
    public static final int BATCH_POOL_SIZE = 48;
    /**
     * A group commit appends at most this many transfers in one storage transaction: about 5 batches of
     * 10,000 or 50 of 1,000 (a 50k-row COPY takes about 0.2 s here), so one commit's latency stays bounded
     * while still amortising the synchronous commit's fsync over many requests.
     */
    public static final int COMMIT_TRANSFER_COUNT_MAX = 50_000;
    /**
     * Scratch batches for storage reads (GET of a transaction or an account's history): reads are short
     * and answered from one item at a time, so a few serve many concurrent readers without holding the
     * write pipeline's slots.
     */
    public static final int READ_BATCH_POOL_SIZE = 4;
    /** How long a request waits for a free slot before answering 503: covers a burst, not an overload. */
    public static final long ACQUIRE_WAIT_MS = 250;
    /** Storage probe cadence while not ready, and the idle readiness check (every second). */
    public static final long PROBE_INTERVAL_MS = 1_000;
    /**
     * How long a request waits for the pipeline's answer before it answers 503 (never an acknowledgement: the
     * batch may still commit, and a resubmission answers exists then). A healthy worst case is a full pool of
     * 10,000-item batches ahead of it, about 10 group commits of 0.2 s, so 2 s; five times that leaves room for a
     * loaded machine or a slow fsync, and stays below the 30 s that HTTP clients commonly wait.
     */
    public static final long SLOT_AWAIT_MS = 10_000;
    /**
     * A rebuild that fails this many times in a row with a programmer error (not a storage failure, which is
     * retried for as long as it lasts) will fail again: the engine stops the process rather than answer 503 for
     * ever. Three probes, a second apart, rule out a one-off.
     */
    static final int REBUILD_FAILURE_COUNT_MAX = 3;
    /**
     * A cluster member with no request applies what others committed this often: the delay with which its reads,
     * events and console follow the cluster while it is idle (a turn with requests catches up first anyway).
     */
    static final long CATCH_UP_INTERVAL_MS = 20;
    /** What 503 answers put in Retry-After: the probe cadence, rounded up to whole seconds. */
    public static final int RETRY_AFTER_SECONDS = 1;
    private final Store store;
    private final String ledgerName;
    private final LongToIntFunction partitionOfAccount;
    private final PipelineBounds bounds;
    /** Null for a node alone; a cluster member's seat at the shared store otherwise (committer-owned). */
    private final MemberSeat seat;
    private final ArrayBlockingQueue<BatchSlot> freeSlots;
    private final ArrayBlockingQueue<TransferBatch> freeReadBatches;
    /** Written by request threads, read by the sequencer. */
    private final ArrayBlockingQueue<BatchSlot> sequencerQueue;
    /** Written by the sequencer, read by the committer. */
    private final ArrayBlockingQueue<BatchSlot> committerQueue;
    /** Slots the sequencer handed to the committer that the committer has not completed yet. */
    private final AtomicInteger inCommitCount = new AtomicInteger();
    private final StatelessPool statelessPool;
    private final EngineMetrics metrics = new EngineMetrics();
    private final TransferBatch recoveryScratch = new TransferBatch();
    /** Sequencer-owned: whether {@link Store#open} succeeded (the first probe opens it, retried every second). */
    private boolean storeOpened;
    /** Sequencer-owned: rebuilds in a row that failed with a programmer error (see REBUILD_FAILURE_COUNT_MAX). */
    private int rebuildFailureCount;
    /** Sequencer-owned: the slot being sequenced, until the committer has it; a sequencer failure completes it. */
    private BatchSlot sequencing;
    /** Committer-owned: the group being committed; an entry is cleared when its slot is completed. */
    private final BatchSlot[] group;
    private final TransferBatch[] groupBatches;
    /**
     * Committer-owned: slots of the group taken from the queue. They stay in {@link #inCommitCount} until the
     * group's commit listener call is over, so that a rebuild never announces positions the committer still will.
     */
    private int groupSize;

    private volatile Kernel kernel;
    /** Null while ready; else why writes are refused. Set by the committer or sequencer, cleared by the sequencer. */
    private volatile String notReadyReason = "starting: replaying committed transfers from storage";
    /** True when the kernel may hold effects that storage lacks (or none was built yet): rebuild before ready. */
    private volatile boolean kernelStale = true;
    private volatile long committedPosition;
    /** Highest position handed to the commit listener: a rebuild announces what storage holds beyond it. */
    private volatile long publishedPosition;
    private volatile CommitListener commitListener = (first, last, ids, offset) -> { };
    private volatile boolean running;
    private Thread sequencer;
    private Thread committer;

    /**
     * @param store the ledger's storage; the engine opens it ({@link Store#open}, retried every second while it
     *              fails, so a node whose database is down starts not ready and says why) and never closes it
     * @param partitionOfAccount the kernel's shard function, e.g. {@code HazelcastPartitioning::partitionOf}
     */
    public Engine(Store store, String ledgerName, LongToIntFunction partitionOfAccount) {
        this(store, ledgerName, partitionOfAccount, PipelineBounds.PRODUCTION, null);
    }

    /**
     * A cluster member's engine (docs/cluster.md): every group commit is a fenced turn on {@code role.store()},
     * and items whose sender's partition this member does not hold are answered {@link Kernel#NOT_HELD}.
     */
    public Engine(String ledgerName, LongToIntFunction partitionOfAccount, ClusterRole role) {
        this(role.store(), ledgerName, partitionOfAccount, PipelineBounds.PRODUCTION, role);
    }

    Engine(Store store, String ledgerName, LongToIntFunction partitionOfAccount, PipelineBounds bounds) {
        this(store, ledgerName, partitionOfAccount, bounds, null);
    }

    private Engine(Store store, String ledgerName, LongToIntFunction partitionOfAccount, PipelineBounds bounds,
                   ClusterRole role) {
        this.store = store;
        this.ledgerName = ledgerName;
        this.partitionOfAccount = partitionOfAccount;
        this.bounds = bounds;
        this.seat = role == null ? null : new MemberSeat(role);
        int poolSize = bounds.batchPoolSize();
        freeSlots = new ArrayBlockingQueue<>(poolSize);
        sequencerQueue = new ArrayBlockingQueue<>(poolSize);
        committerQueue = new ArrayBlockingQueue<>(poolSize);
        group = new BatchSlot[poolSize];
        groupBatches = new TransferBatch[poolSize];
        for (int i = 0; i < poolSize; i++) {
            freeSlots.add(new BatchSlot());
        }
        freeReadBatches = new ArrayBlockingQueue<>(bounds.readBatchPoolSize());
        for (int i = 0; i < bounds.readBatchPoolSize(); i++) {
            freeReadBatches.add(new TransferBatch());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        // Room for every slot's batch to have several chunks waiting; beyond that request threads run theirs.
        statelessPool = new StatelessPool(cores, StatelessPool.CHUNK_ITEM_COUNT, poolSize * 4);
        if (COMMIT_TRANSFER_COUNT_MAX < TransferBatch.ITEM_COUNT_MAX) {
            throw new IllegalStateException("a group commit must hold at least one full batch");
        }
    }

    /** Set before {@link #start()}; see {@link CommitListener}. */
    public void onCommitted(CommitListener listener) {
        this.commitListener = listener;
    }

    /**
     * Starts the sequencer and committer. Returns at once: the sequencer first replays storage into a fresh
     * kernel (progress in the log) and the engine is not ready until that is done ({@link #awaitReady}).
     */
    public void start() {
        if (running) {
            throw new IllegalStateException("engine already started");
        }
        running = true;
        // Both loops handle their own failures; the handler is for a failure of that handling itself.
        Thread.UncaughtExceptionHandler died = (thread, e) -> stop(thread.getName() + " died", e);
        sequencer = Thread.ofPlatform().name("omni-sequencer").daemon(true).uncaughtExceptionHandler(died)
                .start(this::runSequencer);
        committer = Thread.ofPlatform().name("omni-committer").daemon(true).uncaughtExceptionHandler(died)
                .start(this::runCommitter);
    }

    /** Stops taking writes, commits what was sequenced, fails what was not, and joins the threads. */
    @Override
    public void close() throws InterruptedException {
        if (!running) {
            return;
        }
        running = false;
        sequencer.join();
        committer.join();
        statelessPool.close();
        if (seat != null && notReadyReason == null) {
            releaseAll();
        }
    }

    /** Null while the engine takes writes; else the reason it does not (for /health/ready). */
    public String notReadyReason() {
        return notReadyReason;
    }

    public boolean isReady() {
        return notReadyReason == null;
    }

    /** Waits until ready; false if still not ready after {@code timeoutMs}. */
    public boolean awaitReady(long timeoutMs) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!isReady()) {
            if (System.nanoTime() >= deadlineNs) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * The current kernel for reads (accounts, tips, positions), or null while there is none to trust: before the
     * first recovery ends, and after a failed append until the rebuild (the kernel then holds effects that storage
     * may lack, which no reader may see). Readers answer 503 then.
     */
    public Kernel kernel() {
        return kernelStale ? null : kernel;
    }

    public Store store() {
        return store;
    }

    /** Partitions a cluster member holds now ({@code omni_partitions_owned}); all of them for a node alone. */
    public int heldPartitionCount() {
        return seat == null ? Kernel.PARTITION_COUNT : seat.heldCount();
    }

    /** Partitions claimed or released by this member ({@code omni_partition_moves_total}); 0 for a node alone. */
    public long partitionMoveCount() {
        return seat == null ? 0 : seat.moves();
    }

    /** Group commits the fence refused ({@code omni_fenced_commits_total}); 0 for a node alone. */
    public long fencedCommitCount() {
        return seat == null ? 0 : seat.fencedCommits();
    }

    /** Highest position known durable (0 = genesis only). */
    public long committedPosition() {
        return committedPosition;
    }

    /** Counts a request body for {@code omni_ingest_bytes_total}. */
    public void ingested(int bodySize) {
        metrics.ingested(bodySize);
    }

    /** A cleared slot, or null when none frees up within {@link #ACQUIRE_WAIT_MS} (answer 503). */
    public BatchSlot acquire() throws InterruptedException {
        BatchSlot slot = freeSlots.poll(ACQUIRE_WAIT_MS, TimeUnit.MILLISECONDS);
        if (slot != null) {
            slot.batch.clear();
            slot.bodySize = 0;
        }
        return slot;
    }

    /** The holder is done with the slot; one it abandoned goes back to the pool once the pipeline completes it. */
    public void release(BatchSlot slot) {
        if (slot.releaseByHolder()) {
            recycle(slot);
        }
    }

    private void recycle(BatchSlot slot) {
        if (!freeSlots.offer(slot)) {
            throw new IllegalStateException("batch slot released twice: pool already holds " + freeSlots.size());
        }
    }

    /** A scratch batch for a storage read, or null when none frees up within {@link #ACQUIRE_WAIT_MS}. */
    public TransferBatch acquireReadBatch() throws InterruptedException {
        TransferBatch batch = freeReadBatches.poll(ACQUIRE_WAIT_MS, TimeUnit.MILLISECONDS);
        if (batch != null) {
            batch.clear();
        }
        return batch;
    }

    public void releaseReadBatch(TransferBatch batch) {
        if (!freeReadBatches.offer(batch)) {
            throw new IllegalStateException("read batch released twice: pool already holds " + freeReadBatches.size());
        }
    }

    /**
     * Validates and commits the batch in {@code slot} (filled by ingest), blocking the calling request thread
     * until the batch's answer is final. Returns null when every accepted item is durably committed and every
     * item's result and position are set in {@code slot.batch}; otherwise the reason nothing of it was
     * acknowledged (storage unavailable, shutting down, no answer within the slot deadline), for a 503.
     */
    public String execute(BatchSlot slot, boolean issuerAllowed) {
        String reason = notReadyReason;
        if (reason != null || !running) {
            return reason != null ? reason : "shutting down";
        }
        statelessPool.validate(slot.batch, issuerAllowed, System.currentTimeMillis(), slot.ids);
        slot.arm();
        if (!sequencerQueue.offer(slot)) {
            throw new IllegalStateException("sequencer queue full although it holds every slot: "
                    + sequencerQueue.size() + " of " + bounds.batchPoolSize());
        }
        if (!running && sequencerQueue.remove(slot)) {
            // Closed meanwhile, and the sequencer's last drain may have missed this slot: nothing was done with it.
            return "shutting down";
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bounds.slotAwaitMs());
        if (!slot.await(deadlineNs)) {
            LOG.warning(() -> "a batch of " + slot.batch.count + " items had no answer from the pipeline within "
                    + bounds.slotAwaitMs() + " ms; answered 503 (" + inCommitCount.get() + " batches in commit, "
                    + sequencerQueue.size() + " waiting to be sequenced)");
            return "no answer from the commit pipeline within " + bounds.slotAwaitMs() + " ms; the batch may still "
                    + "commit: resubmit it unchanged, it answers exists or accepted";
        }
        return slot.failure();
    }

    // ---- sequencer thread ----------------------------------------------------------------------------

    private void runSequencer() {
        long nextProbeMs = 0;
        while (running) {
            try {
                nextProbeMs = sequencerStep(nextProbeMs);
            } catch (RuntimeException | Error e) {
                sequencerFailed(e);
            }
        }
        for (BatchSlot slot = sequencerQueue.poll(); slot != null; slot = sequencerQueue.poll()) {
            complete(slot, "shutting down");
        }
    }

    /** One turn of the sequencer: a probe when due, then one batch (or an idle check); returns the next probe time. */
    private long sequencerStep(long nextProbeMs) {
        // Probe before waiting for work: at start the first probe opens and replays storage, and a wait on
        // the empty queue first would hold every start back by a whole probe interval.
        if (notReadyReason != null) {
            long nowMs = System.currentTimeMillis();
            if (nowMs >= nextProbeMs) {
                nextProbeMs = nowMs + bounds.probeIntervalMs();
                probe();
            }
        }
        BatchSlot slot = poll(sequencerQueue);
        String reason = notReadyReason;
        if (reason != null) {
            if (slot != null) {
                complete(slot, reason);
            }
        } else if (slot == null) {
            checkIdleStorage();
        } else {
            sequencing = slot;
            sequence(slot);
            sequencing = null;
        }
        return nextProbeMs;
    }

    private void sequence(BatchSlot slot) {
        TransferBatch batch = slot.batch;
        if (seat != null) {
            // A member validates in its fenced turn, after catching up with what others committed; until then
            // every item counts towards the group's size.
            slot.acceptedCount = batch.count;
            handToCommitter(slot);
            return;
        }
        int notHeldCount = kernel.validateStateful(batch);
        // This engine's kernel holds every partition, so no item may come back undecided.
        if (notHeldCount != 0) {
            throw new IllegalStateException(notHeldCount + " items of partitions the kernel does not hold");
        }
        byte accepted = Result.ACCEPTED.code();
        int acceptedCount = 0;
        for (int i = 0; i < batch.count; i++) {
            if (batch.result[i] == accepted) {
                acceptedCount++;
            }
        }
        slot.acceptedCount = acceptedCount;
        handToCommitter(slot);
    }

    private void handToCommitter(BatchSlot slot) {
        inCommitCount.incrementAndGet();
        if (!committerQueue.offer(slot)) {
            inCommitCount.decrementAndGet();
            throw new IllegalStateException("committer queue full although it holds every slot: "
                    + committerQueue.size() + " of " + bounds.batchPoolSize());
        }
    }

    /**
     * An unexpected failure on the sequencer (a kernel invariant, a bug): the kernel may hold part of a batch's
     * effects, so it is rebuilt from storage before the node is ready again; the batch in hand was not handed to
     * the committer, so nothing of it was committed.
     */
    private void sequencerFailed(Throwable e) {
        pipelineFailed("sequencer failed (" + e + "); rebuilding the kernel from storage", e);
        BatchSlot slot = sequencing;
        sequencing = null;
        if (slot != null) {
            complete(slot, notReadyReason);
        }
    }

    /** While idle and ready, a failed ping turns the node not ready; the kernel matches storage, no rebuild. */
    private void checkIdleStorage() {
        if (inCommitCount.get() == 0 && running && !store.ping()) {
            notReadyReason = "storage unavailable: " + store.description() + " does not answer; writes answer 503";
            LOG.warning(notReadyReason);
        }
    }

    /** Not ready: once the committer has failed everything it held, ping storage and rebuild if needed. */
    private void probe() {
        if (inCommitCount.get() != 0) {
            return;
        }
        try {
            if (!storeOpened) {
                store.open(ledgerName);
                storeOpened = true;
            }
            if (!store.ping()) {
                LOG.fine(() -> "storage probe: " + store.description() + " still unavailable");
                return;
            }
        } catch (omni.proof.StorageException | RuntimeException e) {
            notReadyReason = (storeOpened ? "recovery from " : "opening ") + store.description() + " failed: " + e.getMessage()
                    + "; retrying every " + bounds.probeIntervalMs() + " ms";
            LOG.log(Level.WARNING, notReadyReason, e);
            return;
        }
        if (kernelStale && !tryRebuild()) {
            return;
        }
        notReadyReason = null;
        LOG.info("engine ready: " + store.description() + ", committed position " + committedPosition);
    }

    /**
     * Rebuilds the kernel; false if that failed. A storage failure is retried for as long as it lasts; a programmer
     * error (an inconsistent ledger, a bug) REBUILD_FAILURE_COUNT_MAX times in a row stops the process.
     */
    private boolean tryRebuild() {
        try {
            rebuildKernel();
            rebuildFailureCount = 0;
            return true;
        } catch (omni.proof.StorageException e) {
            notReadyReason = "recovery from " + store.description() + " failed: " + e.getMessage()
                    + "; retrying every " + bounds.probeIntervalMs() + " ms";
            LOG.log(Level.WARNING, notReadyReason, e);
        } catch (RuntimeException | Error e) {
            rebuildFailureCount++;
            notReadyReason = "rebuilding the kernel from " + store.description() + " failed (" + e + "), "
                    + rebuildFailureCount + " of " + REBUILD_FAILURE_COUNT_MAX + " attempts";
            LOG.log(Level.SEVERE, notReadyReason, e);
            if (rebuildFailureCount >= REBUILD_FAILURE_COUNT_MAX) {
                stop("the kernel cannot be rebuilt from " + store.description(), e);
            }
        }
        return false;
    }

    /**
     * Replays a fresh kernel from storage. A group whose append failed may still have committed (the connection
     * died after COMMIT was sent): its positions are then in storage though nobody was told, so they go to the
     * commit listener now, before any new commit, and resubmitting those requests answers {@code exists}.
     */
    private void rebuildKernel() throws omni.proof.StorageException {
        boolean hadKernel = kernel != null;
        long before = publishedPosition;
        Kernel rebuilt = KernelRebuild.rebuild(store, ledgerName, partitionOfAccount, recoveryScratch);
        long after = rebuilt.nextPosition() - 1;
        byte[] unannounced = null;
        if (seat != null) {
            // Other members commit while this one is not ready: what it missed is announced in order, in chunks.
            seat.reload();
            kernel = rebuilt;
            committedPosition = after;
            kernelStale = false;
            for (long from = publishedPosition + 1; hadKernel && from <= after; from += COMMIT_TRANSFER_COUNT_MAX) {
                long to = Math.min(after, from + COMMIT_TRANSFER_COUNT_MAX - 1);
                byte[] ids = new byte[(int) (to - from + 1) * TransferBatch.ID_SIZE];
                store.readIds(from, to, ids, 0);
                publish(from, to, ids);
            }
            publishedPosition = after;
            return;
        }
        if (hadKernel && after - before > COMMIT_TRANSFER_COUNT_MAX) {
            LOG.severe("storage advanced from position " + before + " to " + after + " during the outage, more than"
                    + " one group commit: another writer on " + store.description() + "? Not announcing them");
        } else if (hadKernel && after > before) {
            unannounced = new byte[(int) (after - before) * TransferBatch.ID_SIZE];
            store.readIds(before + 1, after, unannounced, 0);
        }
        kernel = rebuilt;
        committedPosition = after;
        kernelStale = false;
        if (unannounced != null) {
            LOG.warning("positions " + (before + 1) + ".." + after + " were committed by the group whose append "
                    + "failed; their requests were answered 503 and a resubmission answers exists");
            publish(before + 1, after, unannounced);
        } else {
            publishedPosition = after;
        }
    }

    // ---- committer thread ----------------------------------------------------------------------------

    private void runCommitter() {
        while (running || !committerQueue.isEmpty() || sequencer.isAlive()) {
            BatchSlot first = seat == null ? poll(committerQueue) : poll(committerQueue, CATCH_UP_INTERVAL_MS);
            if (first == null && seat != null) {
                idleTurn();
            } else if (first != null) {
                try {
                    gather(first);
                    commitGroup();
                } catch (RuntimeException | Error e) {
                    committerFailed(e);
                } finally {
                    inCommitCount.addAndGet(-groupSize);
                    groupSize = 0;
                }
            }
        }
    }

    /** Takes {@code first} and every batch waiting behind it, up to COMMIT_TRANSFER_COUNT_MAX transfers. */
    private void gather(BatchSlot first) {
        group[0] = first;
        groupSize = 1;
        gatherMore();
    }

    /** Adds the batches waiting now to the group, up to COMMIT_TRANSFER_COUNT_MAX transfers. */
    private void gatherMore() {
        int transferCount = 0;
        for (int i = 0; i < groupSize; i++) {
            transferCount += group[i].acceptedCount;
        }
        while (groupSize < group.length) {
            BatchSlot next = committerQueue.peek();
            if (next == null || transferCount + next.acceptedCount > COMMIT_TRANSFER_COUNT_MAX) {
                break;
            }
            group[groupSize++] = committerQueue.poll();
            transferCount += next.acceptedCount;
        }
    }

    private void commitGroup() {
        String reason = notReadyReason;
        if (reason != null) {
            finishGroup(reason);
            return;
        }
        if (seat != null) {
            commitMemberGroup();
            return;
        }
        int transferCount = 0;
        for (int i = 0; i < groupSize; i++) {
            groupBatches[i] = group[i].batch;
            transferCount += group[i].acceptedCount;
        }
        if (transferCount > 0) {
            long startNs = System.nanoTime();
            try {
                store.append(groupBatches, groupSize);
            } catch (StoreException e) {
                enterOutage(e);
                finishGroup(notReadyReason);
                return;
            }
            metrics.committed(System.nanoTime() - startNs, transferCount);
        }
        answerGroup(transferCount);
    }

    /** The group is durable: answer its requests, then tell the commit listener. */
    private void answerGroup(int transferCount) {
        long firstPosition = committedPosition + 1;
        byte[] ids = transferCount > 0 ? collectIds(groupSize, firstPosition, transferCount) : null;
        committedPosition = firstPosition + transferCount - 1;
        for (int i = 0; i < groupSize; i++) {
            metrics.answered(group[i]);
        }
        finishGroup(null);
        if (transferCount > 0) {
            publish(firstPosition, firstPosition + transferCount - 1, ids);
        }
    }

    // ---- a cluster member's commits: committer thread --------------------------------------------------

    /**
     * A member's group commit (docs/cluster.md), one fenced turn: with the head lock held, apply what other members
     * committed since the last turn, follow membership's assignment (release, claim), validate the group against
     * the caught-up kernel (items of partitions not held answer {@link Kernel#NOT_HELD}), check the fence and
     * append. Most of the catching up is done before the lock, so the lock is held for what others committed in
     * the last moment only.
     */
    private void commitMemberGroup() {
        int[] transferCount = {0};
        long startNs = System.nanoTime();
        try {
            catchUp(store.lastPosition());
            seat.store().fencedTurn(seat.memberId(), turn -> {
                catchUp(turn.lastPosition());
                seat.follow(turn);
                // What arrived while the lock was awaited joins this turn: the lock is the cluster's bottleneck.
                gatherMore();
                Kernel k = kernel;
                for (int i = 0; i < groupSize; i++) {
                    BatchSlot slot = group[i];
                    groupBatches[i] = slot.batch;
                    seat.markNotHeld(slot.batch, k);
                    k.validateStateful(slot.batch);
                    slot.acceptedCount = slot.count(Result.ACCEPTED);
                    transferCount[0] += slot.acceptedCount;
                }
                if (transferCount[0] > 0) {
                    seat.checkFence(turn, groupBatches, groupSize, k);
                    turn.append(groupBatches, groupSize);
                }
            });
        } catch (StoreException e) {
            enterOutage(e);
            finishGroup(notReadyReason);
            return;
        } catch (MemberSeat.FencedOutException e) {
            pipelineFailed(e.getMessage() + "; rebuilding the kernel from storage", e);
            finishGroup(notReadyReason);
            return;
        }
        if (transferCount[0] > 0) {
            metrics.committed(System.nanoTime() - startNs, transferCount[0]);
        }
        answerGroup(transferCount[0]);
    }

    /**
     * No request for a moment: apply what others committed (so that this member's reads, events and console
     * follow the whole cluster), and take a fenced turn when membership's assignment changed what this member
     * should hold, so that partitions move while no request comes.
     */
    private void idleTurn() {
        inCommitCount.incrementAndGet();
        try {
            if (notReadyReason != null || kernelStale || !running) {
                return;
            }
            catchUp(store.lastPosition());
            if (seat.assignmentDiffers()) {
                seat.store().fencedTurn(seat.memberId(), turn -> {
                    catchUp(turn.lastPosition());
                    seat.follow(turn);
                });
            }
        } catch (StoreException e) {
            enterOutage(e);
        } catch (RuntimeException | Error e) {
            committerFailed(e);
        } finally {
            inCommitCount.decrementAndGet();
        }
    }

    /** A member that stops gives its partitions back, so that others claim them at once, not after its lease. */
    private void releaseAll() {
        try {
            seat.store().fencedTurn(seat.memberId(), seat::releaseAll);
        } catch (StoreException | RuntimeException e) {
            LOG.log(Level.WARNING, "partitions not released on stop; they move once this member's lease lapsed", e);
        }
    }

    /** Applies the transfers other members committed up to {@code lastPosition} and tells the commit listener. */
    private void catchUp(long lastPosition) throws StoreException {
        Kernel k = kernel;
        if (k.nextPosition() > lastPosition) {
            return;
        }
        store.scan(k.nextPosition(), lastPosition, recoveryScratch, chunk -> {
            k.restore(chunk);
            long first = chunk.position[0];
            long last = chunk.position[chunk.count - 1];
            committedPosition = last;
            publish(first, last, java.util.Arrays.copyOf(chunk.id, chunk.count * TransferBatch.ID_SIZE));
        });
        if (k.nextPosition() != lastPosition + 1) {
            throw new StoreException("catching up to position " + lastPosition + " on " + store.description()
                    + " ended at " + (k.nextPosition() - 1));
        }
    }

    /** The ids of the group's accepted items in position order; checks the positions are contiguous. */
    private byte[] collectIds(int groupSize, long firstPosition, int transferCount) {
        byte[] ids = new byte[transferCount * TransferBatch.ID_SIZE];
        byte accepted = Result.ACCEPTED.code();
        long expected = firstPosition;
        for (int g = 0; g < groupSize; g++) {
            TransferBatch batch = group[g].batch;
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] == accepted) {
                    if (batch.position[i] != expected) {
                        throw new IllegalStateException("committed item " + i + " of a batch has position "
                                + batch.position[i] + " where " + expected + " was next");
                    }
                    System.arraycopy(batch.id, i * TransferBatch.ID_SIZE, ids,
                            (int) (expected - firstPosition) * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
                    expected++;
                }
            }
        }
        return ids;
    }

    /** Completes every slot of the group not completed yet: each exactly once, even after a failure midway. */
    private void finishGroup(String failureOrNull) {
        for (int i = 0; i < group.length; i++) {
            BatchSlot slot = group[i];
            if (slot != null) {
                group[i] = null;
                groupBatches[i] = null;
                complete(slot, failureOrNull);
            }
        }
    }

    private void enterOutage(Exception e) {
        kernelStale = true;
        notReadyReason = "storage unavailable: " + e.getMessage() + "; writes answer 503 until "
                + store.description() + " answers again (probed every " + bounds.probeIntervalMs() + " ms)";
        LOG.log(Level.SEVERE, "group commit failed; nothing of it was acknowledged. " + notReadyReason, e);
    }

    /**
     * An unexpected failure on the committer (not the store's typed failure): whether the group in hand was
     * committed is unknown, so its slots not answered yet answer 503 and the kernel is rebuilt from storage, which
     * also announces any of its positions that did commit.
     */
    private void committerFailed(Throwable e) {
        pipelineFailed("committer failed (" + e + "); the outcome of the group in commit is unknown; rebuilding "
                + "the kernel from storage", e);
        finishGroup(notReadyReason);
    }

    /** Not ready until the sequencer's probe has rebuilt the kernel: readers and writers answer 503 meanwhile. */
    private void pipelineFailed(String reason, Throwable e) {
        kernelStale = true;
        notReadyReason = reason;
        LOG.log(Level.SEVERE, reason, e);
    }

    /** The pipeline cannot recover: one SEVERE line, then the injected stop (in production, halt the process). */
    private void stop(String what, Throwable e) {
        notReadyReason = "stopped: " + what + " (" + e + ")";
        running = false;
        LOG.log(Level.SEVERE, "omni: stopping the process: " + what + "; restart it to recover from storage", e);
        bounds.stop().stop(notReadyReason);
    }

    /** Completes a pipeline slot; one its holder abandoned and released goes back to the pool now. */
    private void complete(BatchSlot slot, String failureOrNull) {
        if (slot.complete(failureOrNull)) {
            recycle(slot);
        }
    }

    private void publish(long firstPosition, long lastPosition, byte[] ids) {
        try {
            commitListener.committed(firstPosition, lastPosition, ids, 0);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "commit listener failed for positions " + firstPosition + ".." + lastPosition, e);
        }
        publishedPosition = lastPosition;
    }

    private BatchSlot poll(ArrayBlockingQueue<BatchSlot> queue) {
        return poll(queue, bounds.probeIntervalMs());
    }

    private BatchSlot poll(ArrayBlockingQueue<BatchSlot> queue, long timeoutMs) {
        try {
            return queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return null;
        }
    }
}
