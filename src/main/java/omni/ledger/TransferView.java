package omni.ledger;

import omni.proof.Transfer;

/**
 * A committed transfer with its position and, once sealed, the seq of the checkpoint covering it.
 *
 * @param checkpointSeq the covering checkpoint's seq, or {@link #NOT_SEALED} (checkpoint seqs start at 1)
 */
public record TransferView(Transfer transfer, long position, long checkpointSeq) {
    public static final long NOT_SEALED = 0;

    public TransferView {
        if (position < 0 || checkpointSeq < 0) {
            throw new IllegalArgumentException("position " + position + ", checkpoint seq " + checkpointSeq);
        }
    }

    public boolean sealed() {
        return checkpointSeq != NOT_SEALED;
    }
}
