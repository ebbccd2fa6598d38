package omni.ledger;

import omni.kernel.Kernel;
import omni.kernel.TransferBatch;
import omni.proof.StorageException;
import omni.proof.Transfer;
import omni.proof.TransferLookup;

/**
 * Finds committed transfers for proofs: the position from the engine's in-memory id index, the fields from the
 * store. A transfer accepted but not yet durable is reported unknown, like one never seen.
 */
public final class EngineTransferLookup implements TransferLookup {
    private final Engine engine;

    public EngineTransferLookup(Engine engine) {
        this.engine = engine;
    }

    @Override
    public long positionOf(byte[] id) throws StorageException {
        Kernel kernel = engine.kernel();
        if (kernel == null) {
            throw new StoreException("the ledger is still recovering: " + engine.notReadyReason());
        }
        long position = kernel.positionOf(id, 0);
        return position > engine.committedPosition() ? -1 : position;
    }

    @Override
    public Transfer transferAt(long position) throws StorageException {
        TransferBatch scratch;
        try {
            scratch = engine.acquireReadBatch();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a read buffer");
        }
        if (scratch == null) {
            throw new StoreException("all " + Engine.READ_BATCH_POOL_SIZE + " read buffers are busy; retry shortly");
        }
        try {
            return engine.store().readTransfer(position, scratch) ? Transfer.fromBatch(scratch, 0) : null;
        } finally {
            engine.releaseReadBatch(scratch);
        }
    }
}
