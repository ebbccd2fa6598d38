package omni.ledger;

import omni.bus.EventSource;
import omni.proof.Checkpoint;
import omni.proof.StorageException;

/**
 * The ledger as the event bus reads it back after an outage or for a lagging subscriber: committed ids and
 * checkpoints come from the store, the Redis watermark is kept in the store's meta table. The bus expects
 * unchecked failures (it retries later), so storage errors are rethrown as {@link IllegalStateException}
 * carrying the store's message.
 */
public final class StoreEventSource implements EventSource {
    private final Store store;

    public StoreEventSource(Store store) {
        this.store = store;
    }

    @Override
    public long lastPosition() {
        try {
            return store.lastPosition();
        } catch (StorageException e) {
            throw unavailable("lastPosition", e);
        }
    }

    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) {
        try {
            store.readIds(fromPosition, toPosition, out, outOffset);
        } catch (StorageException e) {
            throw unavailable("readIds " + fromPosition + ".." + toPosition, e);
        }
    }

    @Override
    public long latestCheckpointSeq() {
        try {
            Checkpoint latest = store.latestCheckpoint();
            return latest == null ? 0 : latest.seq();
        } catch (StorageException e) {
            throw unavailable("latestCheckpoint", e);
        }
    }

    @Override
    public String checkpointJson(long seq) {
        try {
            Checkpoint checkpoint = store.checkpoint(seq);
            return checkpoint == null ? null : checkpoint.toJson();
        } catch (StorageException e) {
            throw unavailable("checkpoint " + seq, e);
        }
    }

    @Override
    public long getMeta(String key, long missing) {
        try {
            return store.getMeta(key, missing);
        } catch (StorageException e) {
            throw unavailable("getMeta " + key, e);
        }
    }

    @Override
    public void putMeta(String key, long value) {
        try {
            store.putMeta(key, value);
        } catch (StorageException e) {
            throw unavailable("putMeta " + key, e);
        }
    }

    private static IllegalStateException unavailable(String what, StorageException e) {
        return new IllegalStateException("storage cannot answer " + what + ": " + e.getMessage(), e);
    }
}
