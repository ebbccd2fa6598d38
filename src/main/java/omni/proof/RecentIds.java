package omni.proof;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The ids of the most recent commits, as the commit events announce them, so that the sealer reads them
 * from memory instead of from storage (at 200k transfers/s that read is about 0.2 s of each seal on
 * PostgreSQL). Positions must arrive in order; a gap (e.g. an event lost or another member's commit)
 * restarts the window at the new position, and any range not wholly inside the window is read from
 * storage, so this is only ever a faster path to the same bytes.
 * <p>
 * Sizing: {@link #CAPACITY} holds two full checkpoints (2^20 ids, 32 MiB, allocated on first use): the
 * commits of the interval being sealed plus a backlog of one more checkpoint.
 * <p>
 * The writer is the committer thread, which must not wait: it holds the lock only while copying its own
 * commit in. The sealer copies a whole checkpoint's ids (up to 16 MiB) without the lock and then checks,
 * under the lock, that the window still holds what it copied (same generation, oldest position not past
 * its first), the way a seqlock reader does; if not, it reads storage instead.
 */
final class RecentIds {
    static final int CAPACITY = 2 * Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX;
    private static final int ID_SIZE = MerkleTree.HASH_SIZE;

    private final ReentrantLock lock = new ReentrantLock();
    private byte[] ring;              // guarded by lock; position p at ((p % CAPACITY) * ID_SIZE)
    private long firstPosition;       // guarded by lock; oldest position held
    private long endPosition;         // guarded by lock; one past the newest; == firstPosition when empty
    private long generation;          // guarded by lock; counts window restarts

    /** Records the ids of positions {@code first..last}, 32 bytes each at {@code ids[offset..]}. */
    void add(long first, long last, byte[] ids, int offset) {
        if (first < 0 || last < first || ids.length - offset < (last - first + 1) * ID_SIZE) {
            throw new IllegalArgumentException("ids of positions " + first + ".." + last + " from offset " + offset
                    + " of " + ids.length + " bytes");
        }
        long skip = Math.max(0, last - first + 1 - CAPACITY);
        long from = first + skip;
        int from0 = offset + (int) (skip * ID_SIZE);
        lock.lock();
        try {
            if (ring == null) {
                ring = new byte[CAPACITY * ID_SIZE];
            }
            if (endPosition != first || firstPosition == endPosition) {
                firstPosition = from; // a gap, or the first commit seen: start a new window here
                endPosition = from;
                generation++;
            }
            copy(ids, from0, from, last, true);
            endPosition = last + 1;
            firstPosition = Math.max(firstPosition, endPosition - CAPACITY);
        } finally {
            lock.unlock();
        }
    }

    /** Copies the ids of {@code from..to} into {@code out}; false (nothing copied) if not all are held. */
    boolean read(long from, long to, byte[] out, int outOffset) {
        long readGeneration;
        lock.lock();
        try {
            if (ring == null || from < firstPosition || to >= endPosition || to < from) {
                return false;
            }
            readGeneration = generation;
        } finally {
            lock.unlock();
        }
        copy(out, outOffset, from, to, false); // without the lock: validated below
        lock.lock();
        try {
            // Writers only overwrite the slots of positions older than the window's new first position.
            return generation == readGeneration && firstPosition <= from;
        } finally {
            lock.unlock();
        }
    }

    /** Between {@code buffer[bufferOffset..]} and the ring's slots of {@code from..to}, wrapping once if needed. */
    private void copy(byte[] buffer, int bufferOffset, long from, long to, boolean intoRing) {
        int slot = (int) (from % CAPACITY);
        int count = (int) (to - from + 1);
        int firstPart = Math.min(count, CAPACITY - slot);
        move(buffer, bufferOffset, slot * ID_SIZE, firstPart * ID_SIZE, intoRing);
        if (firstPart < count) {
            move(buffer, bufferOffset + firstPart * ID_SIZE, 0, (count - firstPart) * ID_SIZE, intoRing);
        }
    }

    private void move(byte[] buffer, int bufferOffset, int ringOffset, int length, boolean intoRing) {
        if (intoRing) {
            System.arraycopy(buffer, bufferOffset, ring, ringOffset, length);
        } else {
            System.arraycopy(ring, ringOffset, buffer, bufferOffset, length);
        }
    }
}
