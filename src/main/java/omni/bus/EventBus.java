package omni.bus;

/**
 * Where committed batches and sealed checkpoints are announced (docs/events.md). Publishing never blocks: it
 * hands an immutable event to bounded per-subscriber queues and returns; a subscriber that falls behind loses
 * live events and catches up from the ledger ({@link ReplayingSubscription}).
 */
public interface EventBus extends AutoCloseable {
    /** Registers metrics and, for Redis, makes the first connection attempt (bounded by its timeouts). */
    void start();

    /**
     * After a commit of at least one transfer, from the committer thread, in position order; never blocks.
     * ids: 32 bytes per position, first..last, copied before this returns (the caller may reuse the array).
     */
    void publishCommit(long firstPosition, long lastPosition, byte[] ids, int idsOffset);

    /** After a checkpoint is saved; never blocks. */
    void publishCheckpoint(long seq, String checkpointJson);

    /** A pull subscription with a bounded queue of {@link Subscription#EVENTS_MAX} events. */
    Subscription subscribe();

    /** A push subscription: {@code listener} runs on a virtual thread of its own. Close it to stop. */
    AutoCloseable subscribe(EventListener listener);

    /** Kind, target (never a password), connected, backlog: for /api/v1/node and the start-up line. */
    BusState state();

    @Override
    void close();
}
