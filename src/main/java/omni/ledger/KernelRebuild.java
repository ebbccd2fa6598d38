package omni.ledger;

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
        long lastPosition = store.lastPosition();
        if (lastPosition >= Integer.MAX_VALUE - INDEX_HEADROOM) {
            throw new IllegalStateException("storage holds " + lastPosition + " transfers; the kernel's id index "
                    + "addresses at most " + (Integer.MAX_VALUE - INDEX_HEADROOM));
        }
        // Sized for what storage holds plus headroom, so that the index does not grow during the replay.
        Kernel kernel = new Kernel(ledgerName, partitionOfAccount, (int) lastPosition + INDEX_HEADROOM);
        LOG.info(() -> "recovery: replaying " + lastPosition + " committed transfers from " + store.description());
        KernelRebuild rebuild = new KernelRebuild(kernel, lastPosition);
        if (lastPosition > 0) {
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
