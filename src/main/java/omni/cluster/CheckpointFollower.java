package omni.cluster;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import omni.proof.Checkpoint;
import omni.proof.CheckpointStore;
import omni.proof.StorageException;

/**
 * Checkpoint events on every member (docs/cluster.md): only the sealer's checkpointer sees a checkpoint as it is
 * sealed, so the others read the new ones from the shared store each checkpoint interval and announce them to their
 * own subscribers. The sealer's announcements go through {@link #sealed} too, so that a checkpoint is announced
 * once on a member however the lease moves, in seq order.
 */
public final class CheckpointFollower implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CheckpointFollower.class.getName());
    /** Checkpoints read per look: a member that fell far behind catches up over a few intervals. */
    static final int CHECKPOINTS_PER_LOOK_MAX = 64;

    private final CheckpointStore store;
    private final long intervalMs;
    private final BiConsumer<Long, String> announce;
    private final Thread thread;
    private volatile boolean running = true;
    /** Highest seq announced here; -1 until the store was first read (history is not announced). */
    private long announcedSeq = -1;

    /** @param announce e.g. the bus's {@code publishCheckpoint(seq, json)}; called under this object's lock */
    public CheckpointFollower(CheckpointStore store, long intervalMs, BiConsumer<Long, String> announce) {
        this.store = store;
        this.intervalMs = intervalMs;
        this.announce = announce;
        this.thread = Thread.ofPlatform().daemon().name("omni-checkpoint-follower").unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** The sealer of this member sealed {@code checkpoint}: announced unless it already was. */
    public synchronized void sealed(Checkpoint checkpoint) {
        if (checkpoint.seq() > announcedSeq) {
            announcedSeq = checkpoint.seq();
            announce.accept(checkpoint.seq(), checkpoint.toJson());
        }
    }

    private void run() {
        while (running) {
            try {
                look();
            } catch (StorageException | RuntimeException e) {
                LOG.log(Level.FINE, "checkpoints not read this interval", e);
            }
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void look() throws StorageException {
        Checkpoint latest = store.latestCheckpoint();
        long latestSeq = latest == null ? 0 : latest.seq();
        synchronized (this) {
            if (announcedSeq < 0) {
                announcedSeq = latestSeq;
                return;
            }
        }
        long from;
        synchronized (this) {
            from = announcedSeq + 1;
        }
        if (from > latestSeq) {
            return;
        }
        List<Checkpoint> fresh = store.checkpoints(from, Math.min(latestSeq, from + CHECKPOINTS_PER_LOOK_MAX - 1));
        for (Checkpoint checkpoint : fresh) {
            sealed(checkpoint);
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
