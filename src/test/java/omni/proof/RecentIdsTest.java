package omni.proof;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecentIdsTest {
    private static byte[] ids(long first, long last) {
        byte[] out = new byte[(int) (last - first + 1) * 32];
        for (long p = first; p <= last; p++) {
            Arrays.fill(out, (int) (p - first) * 32, (int) (p - first + 1) * 32, (byte) (p * 31 + 7));
            out[(int) (p - first) * 32] = (byte) (p >>> 8);
            out[(int) (p - first) * 32 + 1] = (byte) (p >>> 16);
        }
        return out;
    }

    private static void assertHolds(RecentIds recent, long from, long to) {
        byte[] out = new byte[(int) (to - from + 1) * 32];
        assertTrue(recent.read(from, to, out, 0), from + ".." + to);
        assertArrayEquals(ids(from, to), out, from + ".." + to);
    }

    @Test
    void contiguousCommitsAreReadBackAcrossTheWrap() {
        RecentIds recent = new RecentIds();
        assertFalse(recent.read(1, 1, new byte[32], 0), "empty");
        long position = 1;
        int step = RecentIds.CAPACITY / 3 + 17;
        for (int i = 0; i < 7; i++) {
            recent.add(position, position + step - 1, ids(position, position + step - 1), 0);
            position += step;
        }
        long end = position - 1;
        assertHolds(recent, end - RecentIds.CAPACITY + 1, end);
        assertHolds(recent, end - 5, end);
        assertFalse(recent.read(end - RecentIds.CAPACITY, end, new byte[(RecentIds.CAPACITY + 1) * 32], 0), "evicted");
        assertFalse(recent.read(end, end + 1, new byte[64], 0), "not committed yet");
    }

    @Test
    void aGapStartsANewWindowAndAHugeCommitKeepsItsNewestIds() {
        RecentIds recent = new RecentIds();
        recent.add(1, 10, ids(1, 10), 0);
        recent.add(20, 30, ids(20, 30), 0);
        assertFalse(recent.read(5, 25, new byte[21 * 32], 0), "positions 11..19 were never announced");
        assertFalse(recent.read(5, 6, new byte[64], 0), "the window restarted at 20");
        assertHolds(recent, 20, 30);
        long last = 30 + RecentIds.CAPACITY + 100L;
        byte[] huge = ids(31, last);
        recent.add(31, last, huge, 0);
        assertHolds(recent, last - RecentIds.CAPACITY + 1, last);
        assertFalse(recent.read(31, 40, new byte[320], 0));
    }

    @Test
    void idsFromAnOffsetInsideALargerArray() {
        RecentIds recent = new RecentIds();
        byte[] withPrefix = new byte[64 + 5 * 32];
        System.arraycopy(ids(100, 104), 0, withPrefix, 64, 5 * 32);
        recent.add(100, 104, withPrefix, 64);
        assertHolds(recent, 100, 104);
        byte[] out = new byte[10 * 32];
        assertTrue(recent.read(101, 102, out, 3 * 32));
        assertArrayEquals(ids(101, 102), Arrays.copyOfRange(out, 96, 160));
    }

    @Test
    void aReaderRacingTheWriterGetsExactIdsOrFalse() throws Exception {
        RecentIds recent = new RecentIds();
        int step = 10_000;
        recent.add(1, step, ids(1, step), 0);
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong(step + 1);
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 300; i++) {
                long first = next.get();
                recent.add(first, first + step - 1, ids(first, first + step - 1), 0);
                next.set(first + step);
            }
        });
        int exact = 0;
        while (writer.isAlive()) {
            long from = Math.max(1, next.get() - RecentIds.CAPACITY + 1_000);
            long to = from + 50_000;
            byte[] out = new byte[50_001 * 32];
            if (recent.read(from, to, out, 0)) {
                assertArrayEquals(ids(from, to), out, from + ".." + to);
                exact++;
            }
        }
        writer.join();
        System.out.println("RecentIdsTest: " + exact + " racing reads were exact, the rest fell back");
    }
}
