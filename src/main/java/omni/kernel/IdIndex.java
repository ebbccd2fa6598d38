package omni.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Every transfer this kernel knows, by position: its id (32 bytes) and timestamp in chunks that are allocated
 * once and never move, and an open-addressing hash table (linear probing, power-of-two capacity) of
 * ints keyed by the id's first 8 bytes (ids are SHA-256, so those bytes are uniform; they are mixed with a
 * per-instance seed so that nobody can aim ids at one probe run). A slot holds {@code position + 1} in its low
 * {@link #POSITION_BITS} bits and 4 other bits of the 64-bit mixed hash above them, so that 15 of 16 non-matching
 * slots in a probe run are passed over without reading the stored id (a cache miss each). Memory: 32 + 8 bytes
 * per transfer plus 4 bytes a slot at a load of 0.375..0.75 (5.3..10.7 bytes), e.g. 46.7 B per transfer at 10M
 * transfers. Parents are nearly always recent transfers, so a small direct-mapped cache of recent positions
 * (L1/L2-resident) answers most parent lookups without touching the big table. Single writer; reads are
 * bounded and tolerate torn state (see {@link Kernel}).
 */
final class IdIndex {
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** 2^16 positions a chunk: 2 MiB of ids and 512 KiB of timestamps, allocated as positions reach it. */
    static final int CHUNK_SHIFT = 16;
    static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    /**
     * A slot keeps position + 1 in 28 bits and a 4-bit fingerprint above: at most 2^28 - 1 (268 million)
     * transfers in memory, which at 47 bytes each is 12.6 GB of heap, more than this appliance is sized for.
     */
    static final int POSITION_BITS = 28;
    static final int POSITION_COUNT_MAX = (1 << POSITION_BITS) - 1;
    private static final int POSITION_MASK = (1 << POSITION_BITS) - 1;
    /**
     * 16,384 recent positions (64 KiB, stays in L2): direct-mapped, so an entry survives the next 1,000
     * insertions with probability (1 - 1/16384)^1000 = 94%, which covers parents taken from the last batches' tips.
     */
    private static final int RECENT_SIZE = 1 << 14;
    private static final int CHUNK_COUNT_MAX = (POSITION_COUNT_MAX >>> CHUNK_SHIFT) + 1;
    /** Rebuilt at twice the size once 3/4 full; see the class comment for the memory this gives. */
    private static final int LOAD_NUMERATOR = 3;
    private static final int LOAD_DENOMINATOR = 4;
    /** 4 KiB to start: a new kernel is small; the table doubles as transfers arrive (or is sized by a hint). */
    private static final int TABLE_CAPACITY_MIN = 1 << 10;

    private final byte[][] idChunks = new byte[CHUNK_COUNT_MAX][];
    private final long[][] timestampChunks = new long[CHUNK_COUNT_MAX][];
    private final long seed;
    private final int[] recent = new int[RECENT_SIZE];
    private int[] table;
    private int size;

    IdIndex(long seed, int expectedCount) {
        this.seed = seed;
        // A sizing hint only: clamped to what the index can hold, so that no hint can loop or overflow here.
        int expected = Math.min(Math.max(expectedCount, 0), POSITION_COUNT_MAX);
        int capacity = TABLE_CAPACITY_MIN;
        while ((long) expected * LOAD_DENOMINATOR > (long) capacity * LOAD_NUMERATOR) {
            capacity *= 2;
        }
        table = new int[capacity];
    }

    int size() {
        return size;
    }

    /** Position of the id at {@code id[offset..offset+32)}, or -1. Bounded; safe from readers. */
    int find(byte[] id, int offset) {
        long prefix = (long) LONG_BE.get(id, offset);
        long hash = Kernel.mix64(prefix ^ seed);
        int candidate = recent[(int) hash & (RECENT_SIZE - 1)] - 1;
        if (candidate >= 0 && matches(candidate, prefix, id, offset)) {
            return candidate;
        }
        return findInTable(prefix, hash, id, offset);
    }

    /** As {@link #find}, skipping the recent cache: for ids that are nearly always new (the EXISTS check). */
    int findUncached(byte[] id, int offset) {
        long prefix = (long) LONG_BE.get(id, offset);
        return findInTable(prefix, Kernel.mix64(prefix ^ seed), id, offset);
    }

    /**
     * Reads the table slot where the id's probe run starts and returns it: a hint that brings the line into
     * cache. Called for a whole batch in a tight loop before validation, the loads overlap (many misses in
     * flight at once) instead of one miss per item in turn.
     */
    int touch(byte[] id, int offset) {
        long hash = Kernel.mix64((long) LONG_BE.get(id, offset) ^ seed);
        int[] t = table;
        return t[(int) (hash >>> 32) & (t.length - 1)];
    }

    private int findInTable(long prefix, long hash, byte[] id, int offset) {
        int[] t = table;
        int mask = t.length - 1;
        int fingerprint = (int) hash & ~POSITION_MASK;
        int slot = (int) (hash >>> 32) & mask;
        for (int probe = 0; probe <= mask; probe++) {
            int entry = t[slot];
            if (entry == 0) {
                return -1;
            }
            int position = (entry & POSITION_MASK) - 1;
            if ((entry & ~POSITION_MASK) == fingerprint && matches(position, prefix, id, offset)) {
                return position;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private boolean matches(int position, long prefix, byte[] id, int offset) {
        byte[] chunk = idChunks[position >>> CHUNK_SHIFT];
        return chunk != null && equalId(chunk, (position & CHUNK_MASK) * TransferBatch.ID_SIZE, prefix, id, offset);
    }

    /** Adds the next position. Writer only; the id must be new. */
    void add(int position, byte[] id, int offset, long timestamp) {
        Kernel.check(position == size, "position out of order, size", size);
        Kernel.check(position < POSITION_COUNT_MAX, "positions in memory", position);
        int chunkIndex = position >>> CHUNK_SHIFT;
        if (idChunks[chunkIndex] == null) {
            idChunks[chunkIndex] = new byte[CHUNK_SIZE * TransferBatch.ID_SIZE];
            timestampChunks[chunkIndex] = new long[CHUNK_SIZE];
        }
        int within = position & CHUNK_MASK;
        System.arraycopy(id, offset, idChunks[chunkIndex], within * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
        timestampChunks[chunkIndex][within] = timestamp;
        if ((long) (size + 1) * LOAD_DENOMINATOR > (long) table.length * LOAD_NUMERATOR) {
            rebuild(table.length * 2);
        }
        place(table, position);
        size = position + 1;
    }

    /** Timestamp of a known position (writer, or a reader that got the position from this index). */
    long timestamp(int position) {
        long[] chunk = timestampChunks[position >>> CHUNK_SHIFT];
        return chunk == null ? 0 : chunk[position & CHUNK_MASK];
    }

    /** Copies the id at {@code position} into {@code out}; false when a torn read finds no chunk yet. */
    boolean copyId(int position, byte[] out, int outOffset) {
        byte[] chunk = idChunks[position >>> CHUNK_SHIFT];
        if (chunk == null) {
            return false;
        }
        System.arraycopy(chunk, (position & CHUNK_MASK) * TransferBatch.ID_SIZE, out, outOffset, TransferBatch.ID_SIZE);
        return true;
    }

    private static boolean equalId(byte[] chunk, int at, long prefix, byte[] id, int offset) {
        return (long) LONG_BE.get(chunk, at) == prefix
                && (long) LONG_BE.get(chunk, at + 8) == (long) LONG_BE.get(id, offset + 8)
                && (long) LONG_BE.get(chunk, at + 16) == (long) LONG_BE.get(id, offset + 16)
                && (long) LONG_BE.get(chunk, at + 24) == (long) LONG_BE.get(id, offset + 24);
    }

    /** Builds the new table from the ids in position order (sequential reads), then publishes it. */
    private void rebuild(int capacity) {
        int[] next = new int[capacity];
        for (int position = 0; position < size; position++) {
            place(next, position);
        }
        table = next;
    }

    private void place(int[] t, int position) {
        byte[] chunk = idChunks[position >>> CHUNK_SHIFT];
        long prefix = (long) LONG_BE.get(chunk, (position & CHUNK_MASK) * TransferBatch.ID_SIZE);
        long hash = Kernel.mix64(prefix ^ seed);
        int mask = t.length - 1;
        int slot = (int) (hash >>> 32) & mask;
        while (t[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        t[slot] = ((int) hash & ~POSITION_MASK) | (position + 1);
        recent[(int) hash & (RECENT_SIZE - 1)] = position + 1;
    }
}
