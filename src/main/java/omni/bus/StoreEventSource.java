package omni.bus;

import omni.ledger.Store;
import omni.ledger.StoreException;
import omni.proof.Checkpoint;
import omni.proof.StorageException;

/**
 * The node's store as the bus's {@link EventSource}: committed ids, checkpoints and the durable Redis watermark.
 * Store failures become {@link IllegalStateException}s naming what failed; the bus thread and SSE streams treat
 * them as "try again later".
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
        } catch (StoreException e) {
            throw failed("reading the last position", e);
        }
    }

    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) {
        try {
            store.readIds(fromPosition, toPosition, out, outOffset);
        } catch (StorageException e) {
            throw failed("reading the ids of positions " + fromPosition + ".." + toPosition, e);
        }
    }

    @Override
    public long latestCheckpointSeq() {
        try {
            Checkpoint latest = store.latestCheckpoint();
            return latest == null ? 0 : latest.seq();
        } catch (StorageException e) {
            throw failed("reading the latest checkpoint", e);
        }
    }

    @Override
    public String checkpointJson(long seq) {
        try {
            Checkpoint checkpoint = store.checkpoint(seq);
            return checkpoint == null ? null : checkpoint.toJson();
        } catch (StorageException e) {
            throw failed("reading checkpoint " + seq, e);
        }
    }

    @Override
    public long getMeta(String key, long missing) {
        try {
            return store.getMeta(key, missing);
        } catch (StoreException e) {
            throw failed("reading meta " + key, e);
        }
    }

    @Override
    public void putMeta(String key, long value) {
        try {
            store.putMeta(key, value);
        } catch (StoreException e) {
            throw failed("writing meta " + key + "=" + value, e);
        }
    }

    private IllegalStateException failed(String what, Exception e) {
        return new IllegalStateException("ledger: " + what + " failed on " + store.description() + ": " + e.getMessage(), e);
    }
}
