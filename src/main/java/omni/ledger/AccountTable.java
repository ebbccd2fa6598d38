package omni.ledger;

import java.util.Arrays;

/**
 * Per-account numbers keyed by account id in one open-addressing table (power-of-two capacity, linear
 * probing, a sentinel for empty slots): balance, last seq as sender, transfer count. Used by the projector
 * to fold a step's transfers into one row per account, and by the audit to recompute every balance.
 * Single-threaded.
 */
final class AccountTable {
    /** Account ids are 0 .. 2^63-1, so this is never one. */
    private static final long EMPTY = Long.MIN_VALUE;
    /** Grow when more than half full: short probe sequences. */
    private static final int LOAD_PERCENT_MAX = 50;
    private static final int CAPACITY_MIN = 16;

    private long[] keys;
    long[] balance;
    long[] seq;
    long[] transferCount;
    private int size;

    AccountTable(int expectedSize) {
        allocate(Math.max(CAPACITY_MIN, Integer.highestOneBit(Math.max(1, expectedSize) * 2 - 1) * 2));
    }

    int size() {
        return size;
    }

    int capacity() {
        return keys.length;
    }

    /** The account in slot {@code slot}, or -1 when the slot is empty. */
    long accountAt(int slot) {
        return keys[slot] == EMPTY ? -1 : keys[slot];
    }

    /** The slot of {@code account}, added with zeros if absent. */
    int slot(long account) {
        if (account < 0) {
            throw new IllegalArgumentException("account id " + account + " is negative");
        }
        int mask = keys.length - 1;
        int i = mix(account) & mask;
        while (keys[i] != EMPTY) {
            if (keys[i] == account) {
                return i;
            }
            i = (i + 1) & mask;
        }
        if ((size + 1) * 100L > (long) keys.length * LOAD_PERCENT_MAX) {
            grow();
            return slot(account);
        }
        keys[i] = account;
        size++;
        return i;
    }

    /** The slot of {@code account}, or -1 if absent. */
    int find(long account) {
        int mask = keys.length - 1;
        int i = mix(account) & mask;
        while (keys[i] != EMPTY) {
            if (keys[i] == account) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    void clear() {
        Arrays.fill(keys, EMPTY);
        Arrays.fill(balance, 0);
        Arrays.fill(seq, 0);
        Arrays.fill(transferCount, 0);
        size = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldBalance = balance;
        long[] oldSeq = seq;
        long[] oldCount = transferCount;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int s = slot(oldKeys[i]);
                balance[s] = oldBalance[i];
                seq[s] = oldSeq[i];
                transferCount[s] = oldCount[i];
            }
        }
    }

    private void allocate(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalStateException("capacity " + capacity + " is not a power of two");
        }
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        balance = new long[capacity];
        seq = new long[capacity];
        transferCount = new long[capacity];
        size = 0;
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
