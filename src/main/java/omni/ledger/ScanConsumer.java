package omni.ledger;

import omni.kernel.TransferBatch;

/** Receives the chunks of {@link Store#scan}; the chunk is reused for the next one once this returns. */
@FunctionalInterface
public interface ScanConsumer {
    void accept(TransferBatch chunk) throws StoreException;
}
