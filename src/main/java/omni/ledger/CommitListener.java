package omni.ledger;

/**
 * Told about every group commit that appended at least one transfer, on the committer thread, after the
 * requests of the group were completed. Must not block (the event bus queues and returns). The shape is
 * that of {@code EventBus.publishCommit}, so {@code engine.onCommitted(bus::publishCommit)} wires the bus.
 */
@FunctionalInterface
public interface CommitListener {
    /**
     * @param ids 32 bytes per position, {@code firstPosition..lastPosition}, from {@code idsOffset}; the array
     *            is fresh for each call and belongs to the listener from then on
     */
    void committed(long firstPosition, long lastPosition, byte[] ids, int idsOffset);
}
