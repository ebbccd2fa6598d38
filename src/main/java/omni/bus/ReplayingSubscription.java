package omni.bus;

/**
 * A subscription that delivers every position after a starting point exactly once, in order, without a gap:
 * live events from the bus, and whatever the bus could not deliver (before the subscription existed, or dropped
 * while the subscriber lagged) read back from the ledger in chunks of {@link #REPLAY_CHUNK_POSITIONS}. The same
 * holds for checkpoint seqs. Used by the Redis publisher (resuming from its durable watermark) and by SSE clients
 * (resuming from {@code Last-Event-ID}). One consumer thread.
 *
 * <p>Why it is exact: the live queue is registered before the ledger's last position is read, so every commit
 * after that read arrives live; a dropped event is noticed through {@link Subscription#droppedCount()} and then the
 * ledger's tail is read again, which includes it because it was committed before it was published.
 */
public final class ReplayingSubscription implements AutoCloseable {
    /** Positions per event read back from the ledger: 1,000 ids are 32 KiB to read and 67 KiB of JSON, a typical batch. */
    public static final int REPLAY_CHUNK_POSITIONS = 1_000;

    private final Subscription live;
    private final EventSource source;
    private long nextPosition;
    private long replayToPosition;
    private long nextCheckpointSeq;
    private long replayToSeq;
    /** A live event that arrived ahead of a gap; delivered once the gap is filled from the ledger. */
    private BusEvent stashed;
    private long droppedSeen;

    /** Delivers positions after {@code afterPosition} and checkpoints after {@code afterCheckpointSeq}. */
    public ReplayingSubscription(EventBus bus, EventSource source, long afterPosition, long afterCheckpointSeq) {
        if (afterPosition < 0 || afterCheckpointSeq < 0) {
            throw new IllegalArgumentException("replay after position " + afterPosition + ", seq " + afterCheckpointSeq);
        }
        this.live = bus.subscribe();
        this.source = source;
        this.nextPosition = afterPosition + 1;
        this.nextCheckpointSeq = afterCheckpointSeq + 1;
        try {
            this.replayToPosition = source.lastPosition();
            this.replayToSeq = source.latestCheckpointSeq();
        } catch (RuntimeException e) {
            live.close();
            throw e;
        }
    }

    /** The highest position delivered so far (the starting point until something is delivered). */
    public long deliveredPosition() {
        return nextPosition - 1;
    }

    /** The highest checkpoint seq delivered so far. */
    public long deliveredCheckpointSeq() {
        return nextCheckpointSeq - 1;
    }

    /** Positions and checkpoints known to be committed but not delivered yet (the ledger part only). */
    public long replayBacklog() {
        return Math.max(0, replayToPosition - deliveredPosition()) + Math.max(0, replayToSeq - deliveredCheckpointSeq());
    }

    public boolean isClosed() {
        return live.isClosed();
    }

    /**
     * The next event in order, or null when nothing arrived within {@code timeoutMs} (or the bus closed).
     * Reads the ledger on the calling thread; its exceptions propagate and the subscription stays usable.
     */
    public BusEvent poll(long timeoutMs) throws InterruptedException {
        long deadlineNs = System.nanoTime() + Math.max(0, timeoutMs) * 1_000_000L;
        while (true) {
            BusEvent replayed = fromLedger();
            if (replayed != null) {
                return replayed;
            }
            BusEvent event = stashed;
            stashed = null;
            if (event == null) {
                if (noticeDrops()) {
                    continue;
                }
                long remainingMs = (deadlineNs - System.nanoTime()) / 1_000_000L;
                event = live.poll(remainingMs);
                if (event == null) {
                    return null;
                }
            }
            BusEvent accepted = accept(event);
            if (accepted != null) {
                return accepted;
            }
        }
    }

    /** If events were dropped since the last look, extend the replay to the ledger's current tail. */
    private boolean noticeDrops() {
        long dropped = live.droppedCount();
        if (dropped == droppedSeen) {
            return false;
        }
        catchUpWithLedger();
        droppedSeen = dropped;
        return true;
    }

    /**
     * Owes everything the ledger holds now, even if no live event announced it: transfers committed by another
     * cluster member reach this subscriber this way when the local bus is idle. One ledger query.
     */
    public void catchUpWithLedger() {
        replayToPosition = Math.max(replayToPosition, source.lastPosition());
        replayToSeq = Math.max(replayToSeq, source.latestCheckpointSeq());
    }

    /** Live event in, the part not yet delivered out (null: a duplicate, or stashed behind a gap). */
    private BusEvent accept(BusEvent event) {
        if (event instanceof BusEvent.Commit commit) {
            if (commit.lastPosition() < nextPosition) {
                return null;
            }
            if (commit.firstPosition() > nextPosition) {
                replayToPosition = Math.max(replayToPosition, commit.firstPosition() - 1);
                stashed = commit;
                return null;
            }
            BusEvent.Commit fresh = commit.from(nextPosition);
            nextPosition = commit.lastPosition() + 1;
            return fresh;
        }
        if (event instanceof BusEvent.Checkpoint checkpoint) {
            if (checkpoint.seq() < nextCheckpointSeq) {
                return null;
            }
            if (checkpoint.seq() > nextCheckpointSeq) {
                replayToSeq = Math.max(replayToSeq, checkpoint.seq() - 1);
                stashed = checkpoint;
                return null;
            }
            nextCheckpointSeq++;
            return checkpoint;
        }
        return event;
    }

    /** The next chunk owed from the ledger, or null when the replay has caught up. */
    private BusEvent fromLedger() {
        if (nextPosition <= replayToPosition) {
            long to = Math.min(replayToPosition, nextPosition + REPLAY_CHUNK_POSITIONS - 1);
            byte[] ids = new byte[(int) (to - nextPosition + 1) * CommitJson.ID_SIZE];
            source.readIds(nextPosition, to, ids, 0);
            BusEvent.Commit commit = new BusEvent.Commit(nextPosition, to, ids);
            nextPosition = to + 1;
            return commit;
        }
        if (nextCheckpointSeq <= replayToSeq) {
            String json = source.checkpointJson(nextCheckpointSeq);
            if (json == null) {
                throw new IllegalStateException("checkpoint " + nextCheckpointSeq + " is missing from the ledger (latest "
                        + replayToSeq + ")");
            }
            return new BusEvent.Checkpoint(nextCheckpointSeq++, json);
        }
        return null;
    }

    @Override
    public void close() {
        live.close();
    }
}
