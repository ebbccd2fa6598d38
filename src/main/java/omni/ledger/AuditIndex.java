package omni.ledger;

import omni.kernel.TransferBatch;

import java.util.Arrays;

/**
 * The audit's memory of every transfer seen so far: its id and timestamp by position (paged arrays, so
 * 10M transfers cost 400 MB without one huge allocation), and an open-addressing table from id to
 * position. Positions come in ascending order and may skip some (rows deleted from storage): a skipped
 * position is never found. Single-threaded.
 */
final class AuditIndex {
    /** 65,536 transfers a page: 2 MiB of ids, 512 KiB of timestamps. */
    private static final int PAGE_SHIFT = 16;
    private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final int ID = TransferBatch.ID_SIZE;
    /** Grow when more than half full. */
    private static final int LOAD_PERCENT_MAX = 50;

    private byte[][] idPages = new byte[16][];
    private long[][] timestampPages = new long[16][];
    /** position + 1 per slot; 0 is empty. */
    private long[] slots = new long[1 << 17];
    private long count;
    /** The last position added, or -1. */
    private long lastPosition = -1;

    /**
     * Records the transfer at {@code position} (above every position added before); returns the earlier
     * position with the same id, or -1.
     */
    long add(long position, byte[] ids, int idOffset, long timestamp) {
        if (position <= lastPosition) {
            throw new IllegalArgumentException("position " + position + " after position " + lastPosition);
        }
        lastPosition = position;
        int page = (int) (position >>> PAGE_SHIFT);
        if (page >= idPages.length) {
            idPages = Arrays.copyOf(idPages, Math.max(page + 1, idPages.length * 2));
            timestampPages = Arrays.copyOf(timestampPages, idPages.length);
        }
        if (idPages[page] == null) {
            idPages[page] = new byte[PAGE_SIZE * ID];
            timestampPages[page] = new long[PAGE_SIZE];
        }
        int at = (int) (position & (PAGE_SIZE - 1));
        System.arraycopy(ids, idOffset, idPages[page], at * ID, ID);
        timestampPages[page][at] = timestamp;
        count++;
        long existing = find(ids, idOffset);
        if (existing >= 0) {
            return existing;
        }
        if ((count * 100) > (long) slots.length * LOAD_PERCENT_MAX) {
            grow();
        }
        insert(position);
        return -1;
    }

    /** Position of the transfer with this id, or -1. */
    long find(byte[] ids, int idOffset) {
        int mask = slots.length - 1;
        int i = hash(ids, idOffset) & mask;
        while (slots[i] != 0) {
            long position = slots[i] - 1;
            if (sameId(position, ids, idOffset)) {
                return position;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    long timestamp(long position) {
        return timestampPages[(int) (position >>> PAGE_SHIFT)][(int) (position & (PAGE_SIZE - 1))];
    }

    private boolean sameId(long position, byte[] ids, int idOffset) {
        byte[] page = idPages[(int) (position >>> PAGE_SHIFT)];
        int at = (int) (position & (PAGE_SIZE - 1)) * ID;
        return Arrays.equals(page, at, at + ID, ids, idOffset, idOffset + ID);
    }

    private void insert(long position) {
        byte[] page = idPages[(int) (position >>> PAGE_SHIFT)];
        int at = (int) (position & (PAGE_SIZE - 1)) * ID;
        int mask = slots.length - 1;
        int i = hash(page, at) & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        slots[i] = position + 1;
    }

    /** Doubles the table and re-inserts every position it held. */
    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        for (long slot : old) {
            if (slot != 0) {
                insert(slot - 1);
            }
        }
    }

    /** Ids are SHA-256 outputs: their first bytes are already uniform (a forged id only costs probe length). */
    private static int hash(byte[] b, int o) {
        return ((b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | (b[o + 3] & 0xff))
                ^ ((b[o + 4] & 0xff) << 24 | (b[o + 5] & 0xff) << 16 | (b[o + 6] & 0xff) << 8 | (b[o + 7] & 0xff));
    }
}
