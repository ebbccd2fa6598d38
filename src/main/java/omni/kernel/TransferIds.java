package omni.kernel;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;

/**
 * Transfer ids: SHA-256 over the canonical encoding of docs/transfers.md. One instance per thread: it owns a
 * digest and a scratch buffer so that hashing allocates nothing.
 */
public final class TransferIds {
    private static final byte[] DOMAIN_TAG = "OMNI1".getBytes(StandardCharsets.US_ASCII);
    /** Tag, five u64/i64 fields, u8 count, up to 255 parents, u16 memo length: the largest fixed part. */
    private static final int ENCODING_SIZE_MAX = DOMAIN_TAG.length + 5 * 8 + 1
            + TransferBatch.PARENT_COUNT_ENCODABLE_MAX * TransferBatch.ID_SIZE + 2;

    private final MessageDigest sha256;
    private final byte[] scratch = new byte[ENCODING_SIZE_MAX];

    public TransferIds() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Computes item {@code index}'s id into {@code batch.id}. */
    public void computeId(TransferBatch batch, int index) {
        computeId(batch.sender[index], batch.receiver[index], batch.amount[index], batch.seq[index],
                batch.timestamp[index], batch.parents, batch.parentOffset[index], batch.parentCount[index],
                batch.memos, batch.memoOffset[index], batch.memoSize[index], batch.id, index * TransferBatch.ID_SIZE);
    }

    /**
     * Computes an id into {@code out} at {@code outOffset}. Parents are read as given and hashed sorted
     * ascending as unsigned bytes.
     */
    public void computeId(long sender, long receiver, long amount, long seq, long timestamp,
                          byte[] parents, int parentOffset, int parentCount,
                          byte[] memo, int memoOffset, int memoSize, byte[] out, int outOffset) {
        check(parentCount >= 0 && parentCount <= TransferBatch.PARENT_COUNT_ENCODABLE_MAX, "parentCount", parentCount);
        check(memoSize >= 0 && memoSize <= TransferBatch.MEMO_SIZE_ENCODABLE_MAX, "memoSize", memoSize);
        int p = 0;
        System.arraycopy(DOMAIN_TAG, 0, scratch, 0, DOMAIN_TAG.length);
        p += DOMAIN_TAG.length;
        p = putLong(scratch, p, sender);
        p = putLong(scratch, p, receiver);
        p = putLong(scratch, p, amount);
        p = putLong(scratch, p, seq);
        p = putLong(scratch, p, timestamp);
        scratch[p++] = (byte) parentCount;
        p = putSortedParents(parents, parentOffset, parentCount, p);
        scratch[p++] = (byte) (memoSize >>> 8);
        scratch[p++] = (byte) memoSize;
        sha256.update(scratch, 0, p);
        if (memoSize > 0) {
            sha256.update(memo, memoOffset, memoSize);
        }
        try {
            sha256.digest(out, outOffset, TransferBatch.ID_SIZE);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("SHA-256 digest into " + out.length + " bytes at " + outOffset, e);
        }
    }

    /** The genesis transfer of a ledger: all numbers 0, no parents, memo {@code genesis:<ledgerName>}. */
    public static byte[] genesisId(String ledgerName) {
        byte[] memo = genesisMemo(ledgerName);
        byte[] out = new byte[TransferBatch.ID_SIZE];
        new TransferIds().computeId(0, 0, 0, 0, 0, new byte[0], 0, 0, memo, 0, memo.length, out, 0);
        return out;
    }

    public static byte[] genesisMemo(String ledgerName) {
        return ("genesis:" + ledgerName).getBytes(StandardCharsets.UTF_8);
    }

    private int putSortedParents(byte[] parents, int offset, int count, int p) {
        // Insertion sort by reference: at most a handful of parents, and no allocation.
        for (int i = 0; i < count; i++) {
            int at = offset + i * TransferBatch.ID_SIZE;
            int j = i;
            while (j > 0 && compareUnsigned(parents, at, parents, offsetOf(j - 1)) < 0) {
                sortedOffsets[j] = sortedOffsets[j - 1];
                j--;
            }
            sortedOffsets[j] = at;
        }
        for (int i = 0; i < count; i++) {
            System.arraycopy(parents, sortedOffsets[i], scratch, p, TransferBatch.ID_SIZE);
            p += TransferBatch.ID_SIZE;
        }
        return p;
    }

    private final int[] sortedOffsets = new int[TransferBatch.PARENT_COUNT_ENCODABLE_MAX];

    private int offsetOf(int sortedIndex) {
        return sortedOffsets[sortedIndex];
    }

    /** Compares two ids as unsigned bytes. */
    public static int compareUnsigned(byte[] a, int aOffset, byte[] b, int bOffset) {
        return java.util.Arrays.compareUnsigned(a, aOffset, aOffset + TransferBatch.ID_SIZE,
                b, bOffset, bOffset + TransferBatch.ID_SIZE);
    }

    private static int putLong(byte[] buf, int p, long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[p++] = (byte) (v >>> shift);
        }
        return p;
    }

    private static void check(boolean condition, String name, int value) {
        if (!condition) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }
}
