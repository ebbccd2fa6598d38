package omni.kernel;

/**
 * Which positions are tips (no transfer references them yet): one bit per position in chunks of
 * {@link IdIndex#CHUNK_SIZE} positions, plus a count of tips per chunk. Listing newest first walks down from the
 * newest position, skips chunks whose count is 0 with one int read each, and inside a chunk skips empty 64-bit
 * words, so one listing costs at most (chunks) + (limit x words per chunk) reads whatever the ledger's size,
 * and memory is 1 bit per transfer. Single writer; reads tolerate torn state (see {@link Kernel}).
 */
final class TipSet {
    private static final int WORDS_PER_CHUNK = IdIndex.CHUNK_SIZE / Long.SIZE;
    private static final int CHUNK_COUNT_MAX = (IdIndex.POSITION_COUNT_MAX >>> IdIndex.CHUNK_SHIFT) + 1;

    private final long[][] words = new long[CHUNK_COUNT_MAX][];
    private final int[] tipCount = new int[CHUNK_COUNT_MAX];
    private long size;

    long size() {
        return size;
    }

    void add(int position) {
        int chunk = position >>> IdIndex.CHUNK_SHIFT;
        if (words[chunk] == null) {
            words[chunk] = new long[WORDS_PER_CHUNK];
        }
        long[] w = words[chunk];
        int word = (position & (IdIndex.CHUNK_SIZE - 1)) >>> 6;
        long bit = 1L << position;
        Kernel.check((w[word] & bit) == 0, "tip added twice at position", position);
        w[word] |= bit;
        tipCount[chunk]++;
        size++;
    }

    /** Marks {@code position} referenced; a no-op when it already was. */
    void remove(int position) {
        long[] w = words[position >>> IdIndex.CHUNK_SHIFT];
        int word = (position & (IdIndex.CHUNK_SIZE - 1)) >>> 6;
        long bit = 1L << position;
        if ((w[word] & bit) != 0) {
            w[word] &= ~bit;
            tipCount[position >>> IdIndex.CHUNK_SHIFT]--;
            size--;
        }
    }

    /** Up to {@code limit} tip positions below {@code endPosition}, newest first, into {@code out}; the count. */
    int newest(int endPosition, int limit, int[] out) {
        int found = 0;
        int position = endPosition - 1;
        while (position >= 0 && found < limit) {
            int chunk = position >>> IdIndex.CHUNK_SHIFT;
            long[] w = words[chunk];
            if (w == null || tipCount[chunk] == 0) {
                position = (chunk << IdIndex.CHUNK_SHIFT) - 1;
                continue;
            }
            int word = (position & (IdIndex.CHUNK_SIZE - 1)) >>> 6;
            long bits = w[word] & (-1L >>> (63 - (position & 63)));
            if (bits == 0) {
                position = (position & ~63) - 1;
                continue;
            }
            int highest = 63 - Long.numberOfLeadingZeros(bits);
            position = (position & ~63) | highest;
            out[found++] = position;
            position--;
        }
        return found;
    }
}
