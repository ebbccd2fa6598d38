package omni.ledger;

import omni.kernel.TransferBatch;
import omni.proof.CheckpointStore;

/**
 * Durable storage of the ledger: the transfers in position order, a small key/value table, the checkpoints,
 * and derived per-account tables for operators. One implementation per database: {@link PostgresStore}
 * when {@code OMNI_DB_URL} is set, {@link EmbeddedStore} (H2, not for production) otherwise; see
 * {@link Stores#create}. Never falls back from one to the other.
 */
public interface Store extends CheckpointStore, AutoCloseable {
    /** "postgresql" or "embedded". */
    String kind();

    /** e.g. "postgresql 127.0.0.1:5432/omni" or "embedded H2 at ./omni-data/ledger (not for production)". */
    String description();

    /**
     * Whether this storage already holds an OMNI ledger, found without creating anything (no file, no table):
     * {@code omni audit} asks it so that auditing a wrong path or an empty database says so instead of creating
     * a fresh ledger and calling it clean.
     */
    boolean holdsLedger() throws StoreException;

    /**
     * Connect, apply migrations, write genesis at position 0 if empty; refuse (StoreException naming both)
     * if position 0 is the genesis of another ledger name. May be called again after it failed.
     */
    void open(String ledgerName) throws StoreException;

    /**
     * Items with result ACCEPTED of batches[0..batchCount), in batch then item order, positions contiguous
     * from lastPosition()+1, in one transaction, durable on return.
     */
    void append(TransferBatch[] batches, int batchCount) throws StoreException;

    /** Highest committed position; 0 = genesis only. */
    @Override
    long lastPosition() throws StoreException;

    /**
     * Committed transfers with positions in [from, to] in position order, delivered in chunks of at most
     * TransferBatch.ITEM_COUNT_MAX (batch.position, batch.id and all fields set, result ACCEPTED). Several scans
     * may run at once on different threads (recovery reads ranges in parallel).
     */
    void scan(long fromPosition, long toPosition, TransferBatch scratch, ScanConsumer consumer) throws StoreException;

    /** One transfer; false if no such position. Fills item 0 of out. */
    boolean readTransfer(long position, TransferBatch out) throws StoreException;

    /** Positions of an account's transfers (sender or receiver), newest first, < beforePosition. */
    int accountHistory(long account, long beforePosition, int limit, long[] outPositions) throws StoreException;

    /**
     * Every account's stored balance, last seq and transfer count (the projected table combined with the
     * unprojected tail, so exact), in account order. For audit and operators.
     */
    void scanBalances(BalanceConsumer consumer) throws StoreException;

    /** Small durable key/value (bus watermark, ...). */
    long getMeta(String key, long missing) throws StoreException;

    void putMeta(String key, long value) throws StoreException;

    /** Readiness: can we write? */
    boolean ping();

    /** Stops the projector and closes the connections; never throws. */
    @Override
    void close();
}
