package omni.ledger;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import omni.kernel.TransferBatch;
import omni.proof.Checkpoint;
import omni.proof.StorageException;

/**
 * A real store whose next append, once armed, commits and then fails, as when the connection dies after COMMIT
 * reached the database: the one outcome the engine cannot tell from a failed commit. Everything else delegates.
 */
final class LostAnswerStore implements Store {
    private final Store store;
    private final AtomicBoolean armed = new AtomicBoolean();

    LostAnswerStore(Store store) {
        this.store = store;
    }

    void loseNextAnswer() {
        armed.set(true);
    }

    @Override
    public void append(TransferBatch[] batches, int batchCount) throws StoreException {
        store.append(batches, batchCount);
        if (armed.getAndSet(false)) {
            throw new StoreException("injected: the connection died after COMMIT on " + description());
        }
    }

    @Override public String kind() { return store.kind(); }
    @Override public String description() { return store.description(); }
    @Override public boolean holdsLedger() throws StoreException { return store.holdsLedger(); }
    @Override public void open(String ledgerName) throws StoreException { store.open(ledgerName); }
    @Override public long lastPosition() throws StoreException { return store.lastPosition(); }
    @Override public void scan(long from, long to, TransferBatch scratch, ScanConsumer consumer) throws StoreException {
        store.scan(from, to, scratch, consumer);
    }
    @Override public boolean readTransfer(long position, TransferBatch out) throws StoreException {
        return store.readTransfer(position, out);
    }
    @Override public int accountHistory(long account, long before, int limit, long[] out) throws StoreException {
        return store.accountHistory(account, before, limit, out);
    }
    @Override public void scanBalances(BalanceConsumer consumer) throws StoreException { store.scanBalances(consumer); }
    @Override public long getMeta(String key, long missing) throws StoreException { return store.getMeta(key, missing); }
    @Override public void putMeta(String key, long value) throws StoreException { store.putMeta(key, value); }
    @Override public boolean ping() { return store.ping(); }
    @Override public void close() { store.close(); }
    @Override public void readIds(long from, long to, byte[] out, int offset) throws StorageException {
        store.readIds(from, to, out, offset);
    }
    @Override public void saveCheckpoint(Checkpoint checkpoint) throws StorageException { store.saveCheckpoint(checkpoint); }
    @Override public Checkpoint latestCheckpoint() throws StorageException { return store.latestCheckpoint(); }
    @Override public Checkpoint checkpoint(long seq) throws StorageException { return store.checkpoint(seq); }
    @Override public List<Checkpoint> checkpoints(long from, long to) throws StorageException {
        return store.checkpoints(from, to);
    }
    @Override public Checkpoint checkpointCovering(long position) throws StorageException {
        return store.checkpointCovering(position);
    }
}
