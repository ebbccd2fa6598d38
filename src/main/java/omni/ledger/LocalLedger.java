package omni.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import omni.config.BuildInfo;
import omni.ingest.IngestOutcome;
import omni.ingest.JsonIngest;
import omni.kernel.AccountState;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.proof.Checkpoint;
import omni.proof.CheckpointStore;
import omni.proof.Proof;
import omni.proof.ProofVerifier;
import omni.proof.Prover;
import omni.proof.StorageException;
import omni.proof.Transfer;
import omni.proof.TransferLookup;

/**
 * The ledger of this node alone: writes go through its {@link Engine}; balances, seqs, tips and the id index are
 * read from the engine's kernel, transfers and histories from its store, checkpoints from the checkpoint store,
 * proofs from the {@link Prover}. It owns every one of the 271 partitions, so its cluster is one member.
 */
public final class LocalLedger implements Ledger {
    private static final Logger LOG = Logger.getLogger(LocalLedger.class.getName());
    /** What a storage failure on a read tells the client; the cause goes to the log, not to the client. */
    private static final String STORAGE_FAILED = "storage did not answer; retry later";

    private final Engine engine;
    private final CheckpointStore checkpoints;
    private final TransferLookup proofLookup;
    private final Prover prover;
    private final byte[] publicKey;
    private final Identity identity;

    /**
     * Who this node is, for {@link #node()} and {@link #cluster()}.
     *
     * @param nodeId  host:port of the gateway, asked on every call (the port is known once the gateway listens)
     * @param storage asked on every call, so it may carry live state
     * @param bus     asked on every call (connected, backlog)
     * @param cluster the cluster as this node sees it ({@link ClusterSource#single} for a node alone)
     */
    public record Identity(String ledgerName, Supplier<String> nodeId, Supplier<ComponentInfo> storage,
                           Supplier<ComponentInfo> bus, ClusterSource cluster) {
    }

    /**
     * @param checkpoints where sealed checkpoints are read (the engine's store in a node)
     * @param proofLookup finds committed transfers for proofs ({@link EngineTransferLookup} in a node)
     * @param publicKey   the key checkpoints are signed with (32 bytes), published and required by verification
     */
    public LocalLedger(Engine engine, CheckpointStore checkpoints, TransferLookup proofLookup, Prover prover,
                       byte[] publicKey, Identity identity) {
        this.engine = engine;
        this.checkpoints = checkpoints;
        this.proofLookup = proofLookup;
        this.prover = prover;
        this.publicKey = publicKey.clone();
        this.identity = identity;
    }

    // ---- write -------------------------------------------------------------------------------------------

    @Override
    public void submit(InputStream body, long declaredSize, boolean ndjson, boolean issuerAllowed, AnswerSink answer)
            throws IOException {
        checkDeclaredSize(declaredSize);
        BatchSlot slot = acquireSlot();
        try {
            readBody(body, slot);
            engine.ingested(slot.bodySize);
            parse(slot, ndjson);
            String failure = engine.execute(slot, issuerAllowed);
            if (failure != null) {
                throw new LedgerUnavailableException(failure);
            }
            // Encode first: it may grow the slot's response buffer, and the buffer must be read after that.
            int size = SubmitAnswer.encode(slot);
            answer.send(slot.response, 0, size);
        } finally {
            engine.release(slot);
        }
    }

    /**
     * Validates and commits items that another member read from a client's request and forwarded here, its
     * owner by the owner table (docs/cluster.md, "Forwarding"): NDJSON of well-formed items, in the order they
     * must be validated. Writes the {@link ForwardedAnswer}. This member decides the longest prefix of items whose
     * sender partitions its kernel holds; the first item of a partition it does not hold, and every item after it,
     * is answered not held (the forwarder refreshes the owners and routes them again), since a later item may
     * depend on it and must not be decided without it. The engine answers not held, too, for an item whose
     * partition moved away between this check and its validation.
     *
     * @throws RequestRefusedException the body is not NDJSON of well-formed items, or too large; nothing changed
     * @throws LedgerUnavailableException nothing of it was acknowledged; retry later
     */
    public void submitForwarded(InputStream body, long declaredSize, boolean issuerAllowed, AnswerSink answer)
            throws IOException {
        checkDeclaredSize(declaredSize);
        BatchSlot slot = acquireSlot();
        try {
            readBody(body, slot);
            engine.ingested(slot.bodySize);
            parse(slot, true);
            TransferBatch batch = slot.batch;
            if (slot.count(Result.MALFORMED) > 0) {
                throw new RequestRefusedException(RequestRefusedException.Reason.UNPARSEABLE,
                        "a forwarded body holds only well-formed items; " + slot.count(Result.MALFORMED)
                                + " of " + batch.count + " are malformed");
            }
            int totalCount = batch.count;
            int heldCount = heldPrefixCount(batch);
            batch.count = heldCount;
            if (heldCount > 0) {
                String failure = engine.execute(slot, issuerAllowed);
                if (failure != null) {
                    throw new LedgerUnavailableException(failure);
                }
            }
            int size = ForwardedAnswer.encode(slot, heldCount, totalCount);
            answer.send(slot.response, 0, size);
        } finally {
            engine.release(slot);
        }
    }

    /** How many items from the first have a sender partition that this member's kernel holds. */
    private int heldPrefixCount(TransferBatch batch) {
        Kernel kernel = kernel();
        for (int i = 0; i < batch.count; i++) {
            if (!kernel.holdsPartition(kernel.partitionOf(batch.sender[i]))) {
                return i;
            }
        }
        return batch.count;
    }

    /** Whether this member's kernel holds the partition of {@code account} (every partition in a node alone). */
    public boolean holdsAccount(long account) {
        Kernel kernel = kernel();
        return kernel.holdsPartition(kernel.partitionOf(account));
    }

    /** Refuses a body whose announced size is over {@link #BODY_SIZE_MAX} before reading any of it. */
    public static void checkDeclaredSize(long declaredSize) {
        if (declaredSize > BODY_SIZE_MAX) {
            throw tooLarge("the body has " + declaredSize + " bytes");
        }
    }

    /** Parses the body in the slot into its batch; refuses one that is unparseable or holds too many items. */
    public static void parse(BatchSlot slot, boolean ndjson) {
        IngestOutcome outcome = JsonIngest.parse(slot.body, slot.bodySize, ndjson, slot.batch);
        if (outcome == IngestOutcome.UNPARSEABLE) {
            throw new RequestRefusedException(RequestRefusedException.Reason.UNPARSEABLE,
                    "the body is not " + (ndjson ? "NDJSON" : "JSON"));
        }
        if (outcome == IngestOutcome.TOO_MANY_ITEMS) {
            throw tooLarge("more than " + TransferBatch.ITEM_COUNT_MAX + " items");
        }
    }

    private BatchSlot acquireSlot() {
        try {
            BatchSlot slot = engine.acquire();
            if (slot == null) {
                throw new LedgerUnavailableException("all " + Engine.BATCH_POOL_SIZE
                        + " batch slots are busy; retry shortly");
            }
            return slot;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while waiting for a batch slot");
        }
    }

    /** Reads the body into the slot's reused buffer, refusing it beyond {@link #BODY_SIZE_MAX}. */
    public static void readBody(InputStream in, BatchSlot slot) throws IOException {
        int size = 0;
        while (true) {
            if (size == slot.body.length) {
                if (size > BODY_SIZE_MAX) {
                    throw tooLarge("the body exceeds " + BODY_SIZE_MAX + " bytes");
                }
                slot.ensureBodyCapacity(size + 1);
            }
            int n = in.read(slot.body, size, slot.body.length - size);
            if (n < 0) {
                break;
            }
            size += n;
        }
        if (size > BODY_SIZE_MAX) {
            throw tooLarge("the body exceeds " + BODY_SIZE_MAX + " bytes");
        }
        slot.bodySize = size;
    }

    private static RequestRefusedException tooLarge(String detail) {
        return new RequestRefusedException(RequestRefusedException.Reason.TOO_LARGE, detail
                + "; a request holds at most " + TransferBatch.ITEM_COUNT_MAX + " items and " + BODY_SIZE_MAX
                + " bytes");
    }

    // ---- reads from the kernel and the store ---------------------------------------------------------------

    @Override
    public TransferView transfer(byte[] id) {
        if (id.length != TransferBatch.ID_SIZE) {
            throw new IllegalArgumentException("a transfer id is " + TransferBatch.ID_SIZE + " bytes, not " + id.length);
        }
        long position = kernel().positionOf(id, 0);
        if (position < 0 || position > engine.committedPosition()) {
            return null;
        }
        TransferBatch scratch = acquireReadBatch();
        try {
            Transfer transfer = read(scratch, position);
            Checkpoint covering = checkpoints.checkpointCovering(position);
            return new TransferView(transfer, position, covering == null ? TransferView.NOT_SEALED : covering.seq());
        } catch (StorageException e) {
            throw storageFailed("transfer at position " + position, e);
        } finally {
            engine.releaseReadBatch(scratch);
        }
    }

    @Override
    public AccountView account(long id) {
        AccountState state = new AccountState();
        if (kernel().account(id, state)) {
            return new AccountView(id, state.balance, state.seq, state.transferCount);
        }
        // The issuer's genesis transfer moves nothing, so the kernel learns of account 0 only with its first mint.
        return id == Kernel.ISSUER ? new AccountView(Kernel.ISSUER, 0, 0, 0) : null;
    }

    @Override
    public HistoryPage history(long account, int limit, long beforePosition) {
        if (limit < 1 || beforePosition < 0) {
            throw new IllegalArgumentException("history page of limit " + limit + " before " + beforePosition);
        }
        return account(account) == null ? null : storedHistory(account, limit, beforePosition);
    }

    /**
     * {@link #history} without asking this member's kernel whether the account was ever used: a cluster member
     * that does not hold the account's partition asks its owner that, and reads the history from the storage
     * every member shares. An account never used has an empty page here.
     */
    public HistoryPage storedHistory(long account, int limit, long beforePosition) {
        if (limit < 1 || beforePosition < 0) {
            throw new IllegalArgumentException("history page of limit " + limit + " before " + beforePosition);
        }
        long[] positions = new long[limit];
        List<TransferView> transfers = new ArrayList<>(limit);
        TransferBatch scratch = acquireReadBatch();
        try {
            long beforeCommitted = Math.min(beforePosition, engine.committedPosition() + 1);
            int count = engine.store().accountHistory(account, beforeCommitted, limit, positions);
            for (int i = 0; i < count; i++) {
                transfers.add(new TransferView(read(scratch, positions[i]), positions[i], TransferView.NOT_SEALED));
            }
            return new HistoryPage(account, transfers, count == limit ? positions[count - 1] : HistoryPage.NO_MORE);
        } catch (StorageException e) {
            throw storageFailed("history of account " + account, e);
        } finally {
            engine.releaseReadBatch(scratch);
        }
    }

    @Override
    public List<String> tips(int limit) {
        byte[] ids = new byte[limit * TransferBatch.ID_SIZE];
        int count = kernel().tips(limit, ids);
        HexFormat hex = HexFormat.of();
        List<String> tips = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tips.add(hex.formatHex(ids, i * TransferBatch.ID_SIZE, (i + 1) * TransferBatch.ID_SIZE));
        }
        return List.copyOf(tips);
    }

    /** The transfer at a position the index or a history listed, which storage must therefore hold. */
    private Transfer read(TransferBatch scratch, long position) throws StorageException {
        if (!engine.store().readTransfer(position, scratch)) {
            throw new IllegalStateException("position " + position + " is committed but not in storage");
        }
        return Transfer.fromBatch(scratch, 0);
    }

    /** The engine's kernel for reads; unavailable while the first recovery (or a rebuild) has not finished. */
    private Kernel kernel() {
        Kernel kernel = engine.kernel();
        if (kernel == null) {
            throw new LedgerUnavailableException("recovering: " + engine.notReadyReason());
        }
        return kernel;
    }

    private TransferBatch acquireReadBatch() {
        try {
            TransferBatch scratch = engine.acquireReadBatch();
            if (scratch == null) {
                throw new LedgerUnavailableException("all " + Engine.READ_BATCH_POOL_SIZE
                        + " read buffers are busy; retry shortly");
            }
            return scratch;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while waiting for a read buffer");
        }
    }

    // ---- checkpoints and proofs ----------------------------------------------------------------------------

    @Override
    public Checkpoint latestCheckpoint() {
        try {
            return checkpoints.latestCheckpoint();
        } catch (StorageException e) {
            throw storageFailed("latest checkpoint", e);
        }
    }

    @Override
    public Checkpoint checkpoint(long seq) {
        try {
            return checkpoints.checkpoint(seq);
        } catch (StorageException e) {
            throw storageFailed("checkpoint " + seq, e);
        }
    }

    @Override
    public List<Checkpoint> checkpoints(long fromSeq, long toSeq) {
        try {
            return List.copyOf(checkpoints.checkpoints(fromSeq, toSeq));
        } catch (StorageException e) {
            throw storageFailed("checkpoints " + fromSeq + ".." + toSeq, e);
        }
    }

    @Override
    public ProofView proof(byte[] id) {
        try {
            long position = proofLookup.positionOf(id);
            if (position < 0) {
                return new ProofView(ProofView.State.UNKNOWN, -1, null);
            }
            Checkpoint covering = prover.checkpointCovering(position);
            Transfer transfer = covering == null ? null : proofLookup.transferAt(position);
            Proof proof = transfer == null ? null : prover.prove(transfer, position);
            return proof == null ? new ProofView(ProofView.State.NOT_SEALED, position, null)
                    : new ProofView(ProofView.State.SEALED, position, proof);
        } catch (StorageException e) {
            throw storageFailed("proof", e);
        }
    }

    @Override
    public ProofVerifier.Verdict verifyProof(String proofJson) {
        return ProofVerifier.verify(proofJson, publicKey);
    }

    private static LedgerUnavailableException storageFailed(String what, StorageException e) {
        LOG.log(Level.WARNING, "reading " + what + ": storage failed: " + e.getMessage(), e);
        return new LedgerUnavailableException(STORAGE_FAILED);
    }

    // ---- node and cluster ---------------------------------------------------------------------------------

    @Override
    public NodeView node() {
        return new NodeView(identity.nodeId().get(), BuildInfo.version(), identity.ledgerName(),
                HexFormat.of().formatHex(publicKey), identity.storage().get(), identity.bus().get(),
                identity.cluster().info());
    }

    @Override
    public ClusterView cluster() {
        return identity.cluster().view();
    }

    @Override
    public String notReadyReason() {
        return engine.notReadyReason();
    }
}
