package omni.ledger;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/**
 * One request's share of the pipeline, borrowed from the {@link Engine}'s bounded pool and returned after
 * the answer is written: a transfer batch, the request body and response buffers, and the completion
 * signal. Everything is reused, so a request allocates no per-transfer objects. The holder (a request
 * thread) owns the slot except between {@link Engine#execute} handing it to the sequencer and the
 * completion that wakes the holder again.
 */
public final class BatchSlot {
    /** A request body is at most 8 MiB: about the JSON of a full batch of 10,000 transfers with eight parents and a
     *  128-byte memo each (about 840 bytes apiece), while keeping a pooled slot's body buffer bounded. */
    public static final int BODY_SIZE_MAX = 8 * 1024 * 1024;
    /** Sized for a batch of 1,000 small transfers; grows on demand up to {@link #BODY_SIZE_MAX} + 1. */
    private static final int BODY_SIZE_INITIAL = 256 * 1024;
    /** A response item is at most about 140 bytes; sized for 1,000 items, grows on demand. */
    private static final int RESPONSE_SIZE_INITIAL = 160 * 1024;

    public final TransferBatch batch = new TransferBatch();
    /** Hashing state for the stateless phase run on the holder's thread. */
    final TransferIds ids = new TransferIds();
    /** Request body bytes, [0, bodySize). */
    public byte[] body = new byte[BODY_SIZE_INITIAL];
    public int bodySize;
    /** Response bytes the holder encodes into. */
    public byte[] response = new byte[RESPONSE_SIZE_INITIAL];

    /** Set by the sequencer: items accepted (new positions). */
    int acceptedCount;
    private volatile Thread waiter;
    private volatile boolean done;
    private volatile String failure;

    /** Makes sure {@link #body} can hold {@code size} bytes, keeping what it holds. */
    public void ensureBodyCapacity(int size) {
        if (size > body.length) {
            body = Arrays.copyOf(body, Math.max(size, Math.min(body.length * 2, BODY_SIZE_MAX + 1)));
        }
    }

    /** Makes sure {@link #response} can hold {@code size} bytes, keeping what it holds. */
    public void ensureResponseCapacity(int size) {
        if (size > response.length) {
            response = Arrays.copyOf(response, Math.max(size, response.length * 2));
        }
    }

    /** Why the batch was not committed (storage unavailable, ...), or null after a successful commit. */
    public String failure() {
        return failure;
    }

    /** Number of items with the given result, in the batch as validated. */
    public int count(Result result) {
        byte code = result.code();
        int n = 0;
        for (int i = 0; i < batch.count; i++) {
            if (batch.result[i] == code) {
                n++;
            }
        }
        return n;
    }

    void arm() {
        done = false;
        failure = null;
        acceptedCount = 0;
        waiter = Thread.currentThread();
    }

    /** Called once by the pipeline thread that finishes the batch; wakes the holder. */
    void complete(String failureOrNull) {
        if (done) {
            throw new IllegalStateException("batch slot completed twice");
        }
        failure = failureOrNull;
        done = true;
        LockSupport.unpark(waiter);
    }

    /**
     * Parks the holder until {@link #complete}; a spurious wake-up parks again. An interrupt cannot abandon a batch
     * that the pipeline still holds: it is cleared while waiting (park would not block with it set) and restored.
     */
    void await() {
        if (waiter != Thread.currentThread()) {
            throw new IllegalStateException("batch slot awaited by a thread that did not submit it");
        }
        boolean interrupted = false;
        while (!done) {
            LockSupport.park(this);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
