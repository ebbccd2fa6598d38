package omni.bus;

/**
 * The ledger as the bus sees it: what {@link RedisBus} and {@link ReplayingSubscription} read back after an
 * outage or a lagging subscriber, and where the Redis watermark is kept durably. The integrator adapts the
 * store to it. Every method may be called from the bus thread and from SSE request threads at once, and may
 * throw an unchecked exception when the store cannot answer (the caller retries later).
 */
public interface EventSource {
    /** Highest committed position; 0 when only genesis exists. */
    long lastPosition();

    /** Ids (32 bytes each) of the committed positions {@code from..to} (inclusive) into {@code out}. */
    void readIds(long fromPosition, long toPosition, byte[] out, int outOffset);

    /** Seq of the newest sealed checkpoint; 0 when none. */
    long latestCheckpointSeq();

    /** The checkpoint object's JSON (docs/proofs.md), exactly as {@code checkpoint.created} carries it; null if none. */
    String checkpointJson(long seq);

    /** Small durable key/value: the bus keeps its Redis watermark here. */
    long getMeta(String key, long missing);

    void putMeta(String key, long value);
}
