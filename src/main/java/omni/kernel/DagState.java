package omni.kernel;

/**
 * The global half of the kernel's state: every transfer's id with its position and timestamp (an
 * {@link IdIndex}), the tips (a {@link TipSet}) and the next position. Every member of a cluster holds all of
 * it, because any member may be asked for any transfer and the parent checks of every sender need every id.
 * Holds no account state (see {@link AccountPartitions}). Single writer, the kernel's; reads are bounded and
 * tolerate torn state, and the kernel's stamp check discards a torn result (see {@link Kernel}).
 */
final class DagState {
    private final IdIndex index;
    private final TipSet tips = new TipSet();
    private final byte[] genesisId;
    private volatile long nextPosition;

    /** Genesis at position 0, its only tip; the index sized for {@code expectedTransferCount}. */
    DagState(String ledgerName, long seed, int expectedTransferCount) {
        index = new IdIndex(seed, expectedTransferCount);
        genesisId = TransferIds.genesisId(ledgerName);
        index.add(0, genesisId, 0, 0);
        tips.add(0);
        nextPosition = 1;
    }

    /** The genesis id itself, not a copy: callers outside the kernel get {@link Kernel#genesisId()}. */
    byte[] genesisId() {
        return genesisId;
    }

    long nextPosition() {
        return nextPosition;
    }

    /** Position of the id at {@code id[offset..offset+32)}, or -1. */
    int find(byte[] id, int offset) {
        return index.find(id, offset);
    }

    /** As {@link #find}, for ids that are nearly always new (see {@link IdIndex#findUncached}). */
    int findUncached(byte[] id, int offset) {
        return index.findUncached(id, offset);
    }

    /** Brings the id's table slot into cache ahead of validation; see {@link IdIndex#touch}. */
    int touch(byte[] id, int offset) {
        return index.touch(id, offset);
    }

    long timestamp(int position) {
        return index.timestamp(position);
    }

    /**
     * Appends the transfer with the id at {@code id[offset..]} at the next position, as a tip, and marks its
     * {@code parentCount} parents (positions in {@code parentPositions}) referenced. Returns its position.
     */
    int append(byte[] id, int offset, long timestamp, int[] parentPositions, int parentCount) {
        long positionLong = nextPosition;
        Kernel.check(positionLong < IdIndex.POSITION_COUNT_MAX, "positions in memory", IdIndex.POSITION_COUNT_MAX);
        int position = (int) positionLong;
        index.add(position, id, offset, timestamp);
        tips.add(position);
        for (int k = 0; k < parentCount; k++) {
            tips.remove(parentPositions[k]);
        }
        nextPosition = positionLong + 1;
        return position;
    }

    long tipCount() {
        return tips.size();
    }

    /** Ids of up to {@code limit} tips, newest first, into {@code out}; 0 when a torn read lost a chunk. */
    int readTips(int limit, int[] positions, byte[] out) {
        int count = tips.newest((int) Math.min(nextPosition, IdIndex.POSITION_COUNT_MAX), limit, positions);
        for (int k = 0; k < count; k++) {
            if (!index.copyId(positions[k], out, k * TransferBatch.ID_SIZE)) {
                return 0;
            }
        }
        return count;
    }
}
