package omni.ledger;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>The holder waits for that completion only until a deadline. A holder that gives up answers 503 and
 * abandons the slot, but the pipeline may still commit its batch, so the slot goes back to the pool only when
 * both the holder has released it and the pipeline has completed it, whichever comes last.
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
    private volatile String failure;
    private final AtomicInteger state = new AtomicInteger(IDLE);

    /** Held by a request thread, not in the pipeline. */
    private static final int IDLE = 0;
    /** In the pipeline; the holder waits. */
    private static final int WAITING = 1;
    /** Completed by the pipeline while the holder waited. */
    private static final int DONE = 2;
    /** The holder gave up waiting; the pipeline still holds the batch. */
    private static final int ABANDONED = 3;
    /** Abandoned, then released by the holder: the pipeline returns it to the pool when it completes it. */
    private static final int ABANDONED_RELEASED = 4;
    /** Abandoned, then completed by the pipeline: the holder's release returns it to the pool. */
    private static final int ABANDONED_COMPLETED = 5;

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
        failure = null;
        acceptedCount = 0;
        waiter = Thread.currentThread();
        state.set(WAITING);
    }

    /**
     * Called once by the pipeline thread that finishes the batch; wakes the holder. True when the holder has
     * already abandoned and released the slot: the caller must then return it to the pool.
     */
    boolean complete(String failureOrNull) {
        failure = failureOrNull;
        while (true) {
            int s = state.get();
            if (s == WAITING && state.compareAndSet(WAITING, DONE)) {
                LockSupport.unpark(waiter);
                return false;
            }
            if (s == ABANDONED && state.compareAndSet(ABANDONED, ABANDONED_COMPLETED)) {
                return false;
            }
            if (s == ABANDONED_RELEASED && state.compareAndSet(ABANDONED_RELEASED, IDLE)) {
                return true;
            }
            if (s != WAITING && s != ABANDONED && s != ABANDONED_RELEASED) {
                throw new IllegalStateException("batch slot completed twice (state " + s + ")");
            }
        }
    }

    /**
     * Parks the holder until {@link #complete} or {@code deadlineNs} ({@link System#nanoTime}); a spurious wake-up
     * parks again. True when completed; false when the deadline passed first, which abandons the slot to the
     * pipeline. An interrupt cannot abandon a batch that the pipeline still holds: it is cleared while waiting (park
     * would not block with it set) and restored.
     */
    boolean await(long deadlineNs) {
        if (waiter != Thread.currentThread()) {
            throw new IllegalStateException("batch slot awaited by a thread that did not submit it");
        }
        boolean interrupted = false;
        boolean completed = true;
        while (state.get() == WAITING) {
            long remainingNs = deadlineNs - System.nanoTime();
            if (remainingNs <= 0 && state.compareAndSet(WAITING, ABANDONED)) {
                completed = false;
                break;
            }
            LockSupport.parkNanos(this, remainingNs);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return completed;
    }

    /**
     * The holder is done with the slot. True when it may go back to the pool now; false when the holder abandoned
     * it and the pipeline still holds it (the pipeline returns it when it completes it).
     */
    boolean releaseByHolder() {
        while (true) {
            int s = state.get();
            if (s == ABANDONED && state.compareAndSet(ABANDONED, ABANDONED_RELEASED)) {
                return false;
            }
            if (s != ABANDONED && state.compareAndSet(s, IDLE)) {
                return true;
            }
        }
    }

    /** Whether the holder gave up waiting and the pipeline has not completed the slot yet. */
    boolean abandoned() {
        int s = state.get();
        return s == ABANDONED || s == ABANDONED_RELEASED;
    }
}
