package omni.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** The checks of docs/kernel.md that need only the transfer itself, MALFORMED..ISSUER_REQUIRES_ADMIN. */
final class StatelessRules {
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private StatelessRules() {
    }

    /** Computes item i's id (unless malformed) and returns the first failing check, or ACCEPTED. */
    static Result check(TransferBatch batch, int i, boolean issuerAllowed, long nowMs, TransferIds ids) {
        if (!wellFormed(batch, i)) {
            return Result.MALFORMED;
        }
        ids.computeId(batch, i);
        int at = i * TransferBatch.ID_SIZE;
        if (batch.idGiven[i] && !sameId(batch.givenId, at, batch.id, at)) {
            return Result.ID_MISMATCH;
        }
        if (batch.amount[i] == 0) {
            return Result.AMOUNT_MUST_BE_POSITIVE;
        }
        if (batch.sender[i] == batch.receiver[i]) {
            return Result.ACCOUNTS_MUST_BE_DIFFERENT;
        }
        int parentCount = batch.parentCount[i];
        if (parentCount == 0 || parentCount > TransferBatch.PARENT_COUNT_MAX) {
            return Result.PARENTS_COUNT_INVALID;
        }
        if (hasDuplicateParent(batch.parents, batch.parentOffset[i], parentCount)) {
            return Result.PARENTS_DUPLICATE;
        }
        if (batch.memoSize[i] > TransferBatch.MEMO_SIZE_MAX) {
            return Result.MEMO_TOO_LONG;
        }
        // Both are non-negative, so the difference cannot overflow.
        if (batch.timestamp[i] - nowMs > Kernel.TIMESTAMP_AHEAD_MS_MAX) {
            return Result.TIMESTAMP_IN_FUTURE;
        }
        if (batch.sender[i] == Kernel.ISSUER && !issuerAllowed) {
            return Result.ISSUER_REQUIRES_ADMIN;
        }
        return Result.ACCEPTED;
    }

    /**
     * What ingest guarantees, checked again for batches built elsewhere: numbers in 0..2^63-1 and a parent
     * count and memo size that the canonical encoding can hold.
     */
    private static boolean wellFormed(TransferBatch batch, int i) {
        return (batch.sender[i] | batch.receiver[i] | batch.amount[i] | batch.seq[i] | batch.timestamp[i]) >= 0
                && batch.parentCount[i] >= 0 && batch.parentCount[i] <= TransferBatch.PARENT_COUNT_ENCODABLE_MAX
                && batch.memoSize[i] >= 0 && batch.memoSize[i] <= TransferBatch.MEMO_SIZE_ENCODABLE_MAX;
    }

    /** At most 8 parents: 28 pairwise comparisons beat any set. */
    private static boolean hasDuplicateParent(byte[] parents, int offset, int count) {
        for (int a = 0; a < count; a++) {
            int at = offset + a * TransferBatch.ID_SIZE;
            for (int b = a + 1; b < count; b++) {
                if (sameId(parents, at, parents, offset + b * TransferBatch.ID_SIZE)) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean sameId(byte[] a, int aOffset, byte[] b, int bOffset) {
        return (long) LONG_BE.get(a, aOffset) == (long) LONG_BE.get(b, bOffset)
                && (long) LONG_BE.get(a, aOffset + 8) == (long) LONG_BE.get(b, bOffset + 8)
                && (long) LONG_BE.get(a, aOffset + 16) == (long) LONG_BE.get(b, bOffset + 16)
                && (long) LONG_BE.get(a, aOffset + 24) == (long) LONG_BE.get(b, bOffset + 24);
    }
}
