package omni.ledger;

import java.util.Arrays;

import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/** Test helper: appends one transfer to a batch as ingest would, and computes its id. */
final class Transfers {
    /** Timestamps count from here: in the past, so that none is in the future of the node's clock. */
    static final long TIMESTAMP_BASE_MS = 1_764_130_000_000L;

    private Transfers() {
    }

    /** Appends one transfer with the given parents (32 bytes each) to {@code batch}; returns its id. */
    static byte[] add(TransferBatch batch, long sender, long receiver, long amount, long seq, long timestampMs,
                      byte[][] parents, TransferIds ids) {
        int i = batch.count++;
        batch.sender[i] = sender;
        batch.receiver[i] = receiver;
        batch.amount[i] = amount;
        batch.seq[i] = seq;
        batch.timestamp[i] = timestampMs;
        batch.parentCount[i] = parents.length;
        batch.parentOffset[i] = batch.reserveParents(parents.length);
        for (int p = 0; p < parents.length; p++) {
            System.arraycopy(parents[p], 0, batch.parents, batch.parentOffset[i] + p * TransferBatch.ID_SIZE,
                    TransferBatch.ID_SIZE);
        }
        batch.memoSize[i] = 0;
        batch.memoOffset[i] = 0;
        batch.idGiven[i] = false;
        batch.result[i] = Result.ACCEPTED.code();
        ids.computeId(batch, i);
        return id(batch, i);
    }

    static byte[] id(TransferBatch batch, int i) {
        return Arrays.copyOfRange(batch.id, i * TransferBatch.ID_SIZE, (i + 1) * TransferBatch.ID_SIZE);
    }
}
