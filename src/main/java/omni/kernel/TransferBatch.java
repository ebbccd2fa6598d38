package omni.kernel;

import java.util.Arrays;

/**
 * Up to {@link #ITEM_COUNT_MAX} transfers of one request as a structure of arrays: no object per transfer.
 * Item {@code i}'s parents are {@code parentCount[i]} ids of {@link #ID_SIZE} bytes at
 * {@code parents[parentOffset[i] ..]}; its memo is {@code memoSize[i]} bytes at {@code memos[memoOffset[i] ..]}.
 * Ingest and storage reads start each item with {@link #add} and fill it with the writers after it; validation
 * writes {@code result} and {@code position}. A batch is reused:
 * {@link #clear()} makes it empty without freeing its arrays.
 */
public final class TransferBatch {
    /** At most 10,000 items a request (docs/api.md). */
    public static final int ITEM_COUNT_MAX = 10_000;
    public static final int ID_SIZE = 32;
    /** A transfer has 1 to 8 parents (docs/transfers.md); more are kept only to compute the id and reject. */
    public static final int PARENT_COUNT_MAX = 8;
    /** The canonical encoding writes the parent count as u8; beyond it an item cannot have an id: malformed. */
    public static final int PARENT_COUNT_ENCODABLE_MAX = 255;
    public static final int MEMO_SIZE_MAX = 128;
    /** The canonical encoding writes the memo length as u16; beyond it an item is malformed. */
    public static final int MEMO_SIZE_ENCODABLE_MAX = 65_535;
    /**
     * A malformed item's detail is at most this many bytes of escaped JSON string content: a field, what was
     * wrong with it and at most 64 bytes echoed from the input (the longest, an unknown field, is 83). 120 fits
     * {@link #detailSize}'s byte and keeps a malformed answer item within the 200 bytes the answer reserves.
     */
    public static final int DETAIL_SIZE_MAX = 120;

    public int count;
    public final long[] sender = new long[ITEM_COUNT_MAX];
    public final long[] receiver = new long[ITEM_COUNT_MAX];
    public final long[] amount = new long[ITEM_COUNT_MAX];
    public final long[] seq = new long[ITEM_COUNT_MAX];
    public final long[] timestamp = new long[ITEM_COUNT_MAX];
    public final int[] parentCount = new int[ITEM_COUNT_MAX];
    public final int[] parentOffset = new int[ITEM_COUNT_MAX];
    /** Grows as needed; sized for two parents an item, the common case. */
    public byte[] parents = new byte[ITEM_COUNT_MAX * 2 * ID_SIZE];
    public int parentsSize;
    public final int[] memoSize = new int[ITEM_COUNT_MAX];
    public final int[] memoOffset = new int[ITEM_COUNT_MAX];
    public byte[] memos = new byte[ITEM_COUNT_MAX * 16];
    public int memosSize;
    /** The id sent by the client, if {@code idGiven[i]}. */
    public final boolean[] idGiven = new boolean[ITEM_COUNT_MAX];
    public final byte[] givenId = new byte[ITEM_COUNT_MAX * ID_SIZE];
    /** The id computed from the fields (docs/transfers.md), set by validation. */
    public final byte[] id = new byte[ITEM_COUNT_MAX * ID_SIZE];
    /** {@link Result#code()} per item; ingest sets MALFORMED for items it could not read, ACCEPTED otherwise. */
    public final byte[] result = new byte[ITEM_COUNT_MAX];
    /** Ledger position of an accepted item, or of the committed transfer an EXISTS item repeats; else -1. */
    public final long[] position = new long[ITEM_COUNT_MAX];
    /**
     * Why ingest found item {@code i} malformed, as escaped JSON string content: {@code detailSize[i]} bytes at
     * {@code details[detailOffset[i] ..]}; size 0 for every other item. Written only for malformed items.
     */
    public final int[] detailOffset = new int[ITEM_COUNT_MAX];
    public final byte[] detailSize = new byte[ITEM_COUNT_MAX];
    /** Grows as needed; sized for 64 malformed items, more than a well-behaved client ever sends. */
    public byte[] details = new byte[64 * DETAIL_SIZE_MAX];
    public int detailsSize;

    public void clear() {
        count = 0;
        parentsSize = 0;
        memosSize = 0;
        detailsSize = 0;
    }

    public boolean isFull() {
        return count == ITEM_COUNT_MAX;
    }

    /** Reserves room for {@code parentCount} more parent ids and returns the offset to write them at. */
    public int reserveParents(int parentCount) {
        int offset = parentsSize;
        int needed = offset + parentCount * ID_SIZE;
        if (needed > parents.length) {
            parents = Arrays.copyOf(parents, Math.max(needed, parents.length * 2));
        }
        parentsSize = needed;
        return offset;
    }

    /** Reserves room for a memo of {@code size} bytes and returns the offset to write it at. */
    public int reserveMemo(int size) {
        int offset = memosSize;
        int needed = offset + size;
        if (needed > memos.length) {
            memos = Arrays.copyOf(memos, Math.max(needed, memos.length * 2));
        }
        memosSize = needed;
        return offset;
    }

    /**
     * Appends an accepted item with these numbers and, until the writers below give it some, no parents, no memo,
     * no given id and no position; returns its index. Every producer of items (ingest, storage reads, tests) starts
     * an item here, so no field is left over from the batch's previous use.
     */
    public int add(long senderAccount, long receiverAccount, long amountValue, long seqValue, long timestampMs) {
        if (count >= ITEM_COUNT_MAX) {
            throw new IllegalStateException("batch is full: " + ITEM_COUNT_MAX + " items");
        }
        int i = count++;
        sender[i] = senderAccount;
        receiver[i] = receiverAccount;
        amount[i] = amountValue;
        seq[i] = seqValue;
        timestamp[i] = timestampMs;
        parentCount[i] = 0;
        parentOffset[i] = parentsSize;
        memoSize[i] = 0;
        memoOffset[i] = memosSize;
        idGiven[i] = false;
        result[i] = Result.ACCEPTED.code();
        position[i] = -1;
        detailSize[i] = 0;
        return i;
    }

    /** Gives item {@code i} room for {@code idCount} parent ids and returns the offset in {@link #parents} to write them at. */
    public int reserveParents(int i, int idCount) {
        parentCount[i] = idCount;
        parentOffset[i] = reserveParents(idCount);
        return parentOffset[i];
    }

    /** Copies {@code idCount} parent ids from {@code src[from ..]} as item {@code i}'s parents. */
    public void setParents(int i, byte[] src, int from, int idCount) {
        int offset = reserveParents(i, idCount); // first: it may replace the array
        System.arraycopy(src, from, parents, offset, idCount * ID_SIZE);
    }

    /** Gives item {@code i} room for a memo of {@code size} bytes and returns the offset in {@link #memos} to write it at. */
    public int reserveMemo(int i, int size) {
        memoSize[i] = size;
        memoOffset[i] = reserveMemo(size);
        return memoOffset[i];
    }

    /** Copies {@code size} memo bytes from {@code src[from ..]} as item {@code i}'s memo. */
    public void setMemo(int i, byte[] src, int from, int size) {
        int offset = reserveMemo(i, size); // first: it may replace the array
        System.arraycopy(src, from, memos, offset, size);
    }

    /** Records the id the client sent for item {@code i}, from {@code src[from ..]}. */
    public void setGivenId(int i, byte[] src, int from) {
        idGiven[i] = true;
        System.arraycopy(src, from, givenId, i * ID_SIZE, ID_SIZE);
    }

    /** Marks item {@code i} as the committed transfer at {@code committedPosition} whose id is at {@code src[from ..]}. */
    public void setCommitted(int i, long committedPosition, byte[] src, int from) {
        position[i] = committedPosition;
        System.arraycopy(src, from, id, i * ID_SIZE, ID_SIZE);
    }

    /** Makes room for one detail of up to {@link #DETAIL_SIZE_MAX} bytes and returns the offset to write it at. */
    public int reserveDetail() {
        if (detailsSize + DETAIL_SIZE_MAX > details.length) {
            details = Arrays.copyOf(details, details.length * 2);
        }
        return detailsSize;
    }

    public Result result(int index) {
        return Result.ofCode(result[index]);
    }
}
