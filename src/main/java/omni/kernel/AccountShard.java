package omni.kernel;

import java.util.Arrays;

/**
 * The accounts of one partition: an open-addressing table (linear probing, power-of-two capacity) from account
 * id to a dense row, and the rows themselves in fixed-size chunks of interleaved longs
 * ({@code id, balance, seq, transferCount}), so that one lookup touches the table and one cache line of rows.
 * Rows never move: the table can be rebuilt without copying them and chunks are never replaced, which keeps
 * optimistic reads from other threads simple (see {@link Kernel}). Single writer.
 */
final class AccountShard {
    /** 2^8 rows of 32 bytes = 8 KiB a chunk: at most one partly used chunk per shard, 271 x 8 KiB = 2.2 MiB in all. */
    static final int ROW_CHUNK_SHIFT = 8;
    static final int ROWS_PER_CHUNK = 1 << ROW_CHUNK_SHIFT;
    private static final int ROW_CHUNK_MASK = ROWS_PER_CHUNK - 1;
    static final int ROW_LONGS = 4;
    static final int FIELD_ID = 0;
    static final int FIELD_BALANCE = 1;
    static final int FIELD_SEQ = 2;
    static final int FIELD_TRANSFER_COUNT = 3;
    /** A table is rebuilt at twice the size once 3/4 full: short probe runs, 4 bytes a slot, 5.3..10.7 B an account. */
    private static final int LOAD_NUMERATOR = 3;
    private static final int LOAD_DENOMINATOR = 4;
    /** 271 shards start at 64 bytes of table each; they grow as accounts arrive. */
    private static final int TABLE_CAPACITY_MIN = 16;
    /** Rows are addressed by int; half the range keeps every size computation clear of overflow. */
    static final int ROW_COUNT_MAX = 1 << 30;

    /** Slot holds row + 1; 0 is empty, so a new table needs no fill. */
    private int[] table = new int[TABLE_CAPACITY_MIN];
    private long[][] chunks = new long[4][];
    private volatile int rowCount;

    int rowCount() {
        return rowCount;
    }

    /** The row of {@code accountId}, or -1. Safe to call from a reader (bounded probe, torn state tolerated). */
    int find(long accountId) {
        int[] t = table;
        int mask = t.length - 1;
        int slot = Kernel.mix(accountId) & mask;
        for (int probe = 0; probe <= mask; probe++) {
            int entry = t[slot];
            if (entry == 0) {
                return -1;
            }
            int row = entry - 1;
            long[] chunk = chunkOf(row);
            if (chunk != null && chunk[offsetOf(row) + FIELD_ID] == accountId) {
                return row;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** The row of {@code accountId}, created with all fields 0 if it is new. Writer only. */
    int findOrInsert(long accountId) {
        int row = find(accountId);
        if (row >= 0) {
            return row;
        }
        row = rowCount;
        Kernel.check(row < ROW_COUNT_MAX, "account rows of one shard", row);
        int chunkIndex = row >>> ROW_CHUNK_SHIFT;
        if (chunkIndex == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunks.length * 2);
        }
        if (chunks[chunkIndex] == null) {
            chunks[chunkIndex] = new long[ROWS_PER_CHUNK * ROW_LONGS];
        }
        chunks[chunkIndex][offsetOf(row) + FIELD_ID] = accountId;
        if ((long) (row + 1) * LOAD_DENOMINATOR > (long) table.length * LOAD_NUMERATOR) {
            rebuild(table.length * 2);
        }
        place(table, accountId, row);
        rowCount = row + 1;
        return row;
    }

    long get(int row, int field) {
        return chunks[row >>> ROW_CHUNK_SHIFT][offsetOf(row) + field];
    }

    void set(int row, int field, long value) {
        chunks[row >>> ROW_CHUNK_SHIFT][offsetOf(row) + field] = value;
    }

    /** Reader-side: the chunk holding {@code row}, or null when a torn read sees it missing. */
    long[] chunkOf(int row) {
        long[][] c = chunks;
        int index = row >>> ROW_CHUNK_SHIFT;
        return index < c.length ? c[index] : null;
    }

    static int offsetOf(int row) {
        return (row & ROW_CHUNK_MASK) * ROW_LONGS;
    }

    /** Wrap-around sum of all balances; 0 exactly when the true sum is 0, since each balance is in range. */
    long balanceSum() {
        long sum = 0;
        int rows = rowCount;
        for (int row = 0; row < rows; row++) {
            long[] chunk = chunkOf(row);
            if (chunk != null) {
                sum += chunk[offsetOf(row) + FIELD_BALANCE];
            }
        }
        return sum;
    }

    /** Calls {@code visitor} for every row (tests and audits). */
    void forEach(RowVisitor visitor) {
        int rows = rowCount;
        for (int row = 0; row < rows; row++) {
            long[] c = chunkOf(row);
            int o = offsetOf(row);
            visitor.visit(c[o + FIELD_ID], c[o + FIELD_BALANCE], c[o + FIELD_SEQ], c[o + FIELD_TRANSFER_COUNT]);
        }
    }

    @FunctionalInterface
    interface RowVisitor {
        void visit(long accountId, long balance, long seq, long transferCount);
    }

    /** Builds the new table completely, then publishes it with one reference write. */
    private void rebuild(int capacity) {
        int[] next = new int[capacity];
        int rows = rowCount;
        for (int row = 0; row < rows; row++) {
            place(next, get(row, FIELD_ID), row);
        }
        table = next;
    }

    private static void place(int[] t, long accountId, int row) {
        int mask = t.length - 1;
        int slot = Kernel.mix(accountId) & mask;
        while (t[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        t[slot] = row + 1;
    }
}
