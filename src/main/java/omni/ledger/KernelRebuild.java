package omni.ledger;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.LongToIntFunction;
import java.util.logging.Logger;

import omni.kernel.Kernel;
import omni.kernel.PartitionLoad;
import omni.kernel.TransferBatch;

/**
 * Recovery: a fresh kernel replayed from every committed transfer in storage, with progress lines in the
 * log. Used at start and after a storage outage, always on the sequencer thread (the kernel's writer). Also
 * one partition's accounts loaded into a kernel from storage's fold ({@link #loadPartition}), for a member
 * that takes over a partition.
 */
final class KernelRebuild implements ScanConsumer {
    private static final Logger LOG = Logger.getLogger(KernelRebuild.class.getName());
    /** One progress line a second: enough to watch a long replay, few enough to read. */
    private static final long PROGRESS_INTERVAL_NS = 1_000_000_000L;
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * A replay longer than this is read by {@link #READER_COUNT} threads, each scanning ranges of this many
     * positions on its own connection while the replaying thread applies what they read, in position order: the
     * database's side of the scan, the decoding and the kernel's writer then run at once, on every core. Large
     * enough that a scan's start costs nothing (well under 1% of a range here), small enough that both readers are
     * busy until near the end.
     */
    static final int RANGE_POSITIONS = 1 << 19;
    /** Readers of a parallel replay: one per core of this project's machine; more only compete for them. */
    static final int READER_COUNT = 2;
    /** Chunks a reader may have read ahead of the replaying thread (2.3 MB each): enough to cover a slow apply. */
    static final int CHUNKS_AHEAD = 4;

    /** Room for about 5 s of new transfers at 200k/s before the id index first grows. */
    private static final int INDEX_HEADROOM = 1 << 20;

    private final Kernel kernel;
    private final long lastPosition;
    private final long startNs = System.nanoTime();
    private final long startCpuNs = THREADS.getCurrentThreadCpuTime();
    private long restoredCount;
    private long nextProgressNs = startNs + PROGRESS_INTERVAL_NS;

    private KernelRebuild(Kernel kernel, long lastPosition) {
        this.kernel = kernel;
        this.lastPosition = lastPosition;
    }

    /** Replays positions 1..store.lastPosition() into a new kernel; the caller swaps it in. */
    static Kernel rebuild(Store store, String ledgerName, LongToIntFunction partitionOfAccount,
                          TransferBatch scratch) throws StoreException {
        return rebuild(store, ledgerName, partitionOfAccount, scratch, RANGE_POSITIONS);
    }

    /** As {@link #rebuild(Store, String, LongToIntFunction, TransferBatch)}, read in ranges of the given size. */
    static Kernel rebuild(Store store, String ledgerName, LongToIntFunction partitionOfAccount,
                          TransferBatch scratch, int rangePositions) throws StoreException {
        long lastPosition = store.lastPosition();
        if (lastPosition >= Integer.MAX_VALUE - INDEX_HEADROOM) {
            throw new IllegalStateException("storage holds " + lastPosition + " transfers; the kernel's id index "
                    + "addresses at most " + (Integer.MAX_VALUE - INDEX_HEADROOM));
        }
        // Sized for what storage holds plus headroom, so that the index does not grow during the replay.
        Kernel kernel = new Kernel(ledgerName, partitionOfAccount, (int) lastPosition + INDEX_HEADROOM);
        LOG.info(() -> "recovery: replaying " + lastPosition + " committed transfers from " + store.description());
        KernelRebuild rebuild = new KernelRebuild(kernel, lastPosition);
        if (lastPosition > rangePositions) {
            new ParallelReplay(store, lastPosition, rangePositions, rebuild).run();
        } else if (lastPosition > 0) {
            store.scan(1, lastPosition, scratch, rebuild);
        }
        if (kernel.nextPosition() != lastPosition + 1) {
            throw new IllegalStateException("recovery replayed up to position " + (kernel.nextPosition() - 1)
                    + " but storage holds up to " + lastPosition);
        }
        if (kernel.balanceSum() != 0) {
            throw new IllegalStateException("recovery: balances sum to " + kernel.balanceSum() + ", not 0, after "
                    + lastPosition + " transfers");
        }
        rebuild.logDone();
        return kernel;
    }

    /**
     * Loads the accounts of {@code partition}, which the kernel does not hold, from {@link Store#scanBalances}
     * (the fold of every committed transfer). On the kernel's writer thread, with nothing sequenced but not yet
     * committed: the kernel must be exactly at storage's last position, before and after the scan, or the fold
     * and the kernel would disagree; then the load is refused with the two positions.
     */
    static void loadPartition(Store store, Kernel kernel, int partition) throws StoreException {
        PartitionLoad load = kernel.startLoad(partition);
        long before = store.lastPosition();
        store.scanBalances((account, balance, seq, transferCount) -> {
            if (kernel.partitionOf(account) == partition) {
                load.put(account, balance, seq, transferCount);
            }
        });
        long after = store.lastPosition();
        if (before != after || after != load.nextPosition() - 1) {
            throw new IllegalStateException("partition " + partition + ": storage was at position " + before
                    + " before its fold and " + after + " after, the kernel at " + (load.nextPosition() - 1)
                    + "; a partition loads only while they agree");
        }
        kernel.loadPartition(load);
        LOG.info(() -> "partition " + partition + ": loaded " + load.accountCount() + " accounts from "
                + store.description() + " as of position " + after);
    }

    @Override
    public void accept(TransferBatch chunk) {
        if (chunk.count > 0 && chunk.position[0] != kernel.nextPosition()) {
            throw new IllegalStateException("recovery: storage delivered position " + chunk.position[0]
                    + " where " + kernel.nextPosition() + " was next");
        }
        kernel.restore(chunk);
        restoredCount += chunk.count;
        long nowNs = System.nanoTime();
        if (nowNs >= nextProgressNs) {
            nextProgressNs = nowNs + PROGRESS_INTERVAL_NS;
            long percent = lastPosition == 0 ? 100 : restoredCount * 100 / lastPosition;
            LOG.info("recovery: " + restoredCount + " of " + lastPosition + " transfers (" + percent + "%) in "
                    + seconds(nowNs - startNs) + " s");
        }
    }

    /**
     * Readers scanning ranges ahead of the replaying thread: reader {@code r} scans ranges r, r + READER_COUNT, ...
     * into chunks it hands over through its own queue, closing each range with {@link #RANGE_END}; the replaying
     * thread takes the ranges in order, so from the readers' queues in turn. A reader's failure ends the replay
     * with it; the replaying thread's failure (a kernel check) interrupts the readers.
     */
    private static final class ParallelReplay {
        private static final TransferBatch RANGE_END = new TransferBatch();

        private final Store store;
        private final long lastPosition;
        private final int rangePositions;
        private final long rangeCount;
        private final KernelRebuild rebuild;
        private final Reader[] readers;

        ParallelReplay(Store store, long lastPosition, int rangePositions, KernelRebuild rebuild) {
            this.store = store;
            this.lastPosition = lastPosition;
            this.rangePositions = rangePositions;
            this.rangeCount = (lastPosition + rangePositions - 1) / rangePositions;
            this.rebuild = rebuild;
            this.readers = new Reader[READER_COUNT];
        }

        void run() throws StoreException {
            for (int r = 0; r < readers.length; r++) {
                readers[r] = new Reader(r);
                readers[r].thread.start();
            }
            try {
                for (long range = 0; range < rangeCount; range++) {
                    Reader reader = readers[(int) (range % readers.length)];
                    for (TransferBatch chunk = reader.take(); chunk != RANGE_END; chunk = reader.take()) {
                        rebuild.accept(chunk);
                        reader.free.add(chunk);
                    }
                }
            } finally {
                for (Reader reader : readers) {
                    reader.thread.interrupt();
                }
                // Readers hold a connection while they scan: wait until each has given it back. An interrupt here
                // (the engine stopping) ends the wait; the interrupted readers still stop.
                try {
                    for (Reader reader : readers) {
                        reader.thread.join();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private final class Reader {
            final Thread thread;
            final ArrayBlockingQueue<TransferBatch> free =
                    new ArrayBlockingQueue<>(CHUNKS_AHEAD);
            /** Chunks read, each range closed by RANGE_END; capacity for every chunk and one end. */
            final ArrayBlockingQueue<TransferBatch> read =
                    new ArrayBlockingQueue<>(CHUNKS_AHEAD + 1);
            private final int index;
            private volatile StoreException failure;

            Reader(int index) {
                this.index = index;
                for (int i = 0; i < CHUNKS_AHEAD; i++) {
                    free.add(new TransferBatch());
                }
                this.thread = Thread.ofPlatform().daemon().name("omni-recovery-reader-" + index).unstarted(this::read);
            }

            private void read() {
                TransferBatch scratch = new TransferBatch();
                try {
                    for (long range = index; range < rangeCount; range += readers.length) {
                        long from = range * rangePositions + 1;
                        store.scan(from, Math.min(lastPosition, from + rangePositions - 1), scratch, chunk -> {
                            TransferBatch copy = awaitFree();
                            copyChunk(chunk, copy);
                            handOver(copy);
                        });
                        handOver(RANGE_END);
                    }
                } catch (Stopped e) {
                    // the replaying thread gave up: nothing to report
                } catch (StoreException | RuntimeException e) {
                    failure = e instanceof StoreException se ? se
                            : new StoreException("recovery: reading positions failed: " + e, e);
                    try {
                        read.put(RANGE_END);
                    } catch (InterruptedException stopped) {
                        // the replaying thread gave up already
                    }
                }
            }

            private TransferBatch awaitFree() {
                try {
                    return free.take();
                } catch (InterruptedException e) {
                    throw new Stopped();
                }
            }

            private void handOver(TransferBatch chunk) {
                try {
                    read.put(chunk);
                } catch (InterruptedException e) {
                    throw new Stopped();
                }
            }

            /** The next chunk of this reader's current range, or RANGE_END; throws the reader's failure. */
            TransferBatch take() throws StoreException {
                TransferBatch chunk;
                try {
                    chunk = read.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("recovery interrupted", e);
                }
                if (chunk == RANGE_END && failure != null) {
                    throw failure;
                }
                return chunk;
            }
        }
    }

    /** A reader of a parallel replay was interrupted by the replaying thread (which failed): end its scan. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /**
     * {@code to} becomes a copy of the fields of {@code from} that {@link Kernel#restore} reads; memos are left
     * out (a replay never reads them), so {@code to} is for the replay only.
     */
    private static void copyChunk(TransferBatch from, TransferBatch to) {
        int n = from.count;
        to.clear();
        to.count = n;
        System.arraycopy(from.position, 0, to.position, 0, n);
        System.arraycopy(from.sender, 0, to.sender, 0, n);
        System.arraycopy(from.receiver, 0, to.receiver, 0, n);
        System.arraycopy(from.amount, 0, to.amount, 0, n);
        System.arraycopy(from.seq, 0, to.seq, 0, n);
        System.arraycopy(from.timestamp, 0, to.timestamp, 0, n);
        System.arraycopy(from.result, 0, to.result, 0, n);
        System.arraycopy(from.id, 0, to.id, 0, n * TransferBatch.ID_SIZE);
        System.arraycopy(from.parentCount, 0, to.parentCount, 0, n);
        System.arraycopy(from.parentOffset, 0, to.parentOffset, 0, n);
        System.arraycopy(from.parents, 0, to.parents, to.reserveParents(from.parentsSize / TransferBatch.ID_SIZE),
                from.parentsSize);
    }

    private void logDone() {
        long elapsedNs = System.nanoTime() - startNs;
        long rate = elapsedNs == 0 ? 0 : restoredCount * 1_000_000_000L / elapsedNs;
        // The replaying thread's CPU time beside the wall time: on a busy machine they differ a lot.
        long cpuNs = THREADS.getCurrentThreadCpuTime() - startCpuNs;
        LOG.info("recovery: done, " + restoredCount + " transfers, " + kernel.accountCount() + " accounts in "
                + seconds(elapsedNs) + " s (" + rate + " transfers/s; " + seconds(cpuNs)
                + " s of CPU on the replaying thread); next position " + kernel.nextPosition());
    }

    private static String seconds(long ns) {
        return String.format(java.util.Locale.ROOT, "%.1f", ns / 1e9);
    }
}
