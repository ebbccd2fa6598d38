package omni.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransferBatchTest {
    private static byte[] filled(int size, int value) {
        byte[] out = new byte[size];
        Arrays.fill(out, (byte) value);
        return out;
    }

    @Test
    void addAfterReuseLeavesNothingOfThePreviousItem() {
        TransferBatch batch = new TransferBatch();
        int first = batch.add(1, 2, 3, 4, 5);
        batch.setParents(first, filled(2 * TransferBatch.ID_SIZE, 9), 0, 2);
        batch.setMemo(first, filled(7, 'm'), 0, 7);
        batch.setGivenId(first, filled(TransferBatch.ID_SIZE, 4), 0);
        batch.setCommitted(first, 77, filled(TransferBatch.ID_SIZE, 6), 0);
        batch.result[first] = Result.EXISTS.code();
        batch.clear();

        int i = batch.add(10, 20, 30, 40, 50);

        assertEquals(0, i);
        assertEquals(1, batch.count);
        assertEquals(10, batch.sender[i]);
        assertEquals(20, batch.receiver[i]);
        assertEquals(30, batch.amount[i]);
        assertEquals(40, batch.seq[i]);
        assertEquals(50, batch.timestamp[i]);
        assertEquals(0, batch.parentCount[i]);
        assertEquals(0, batch.memoSize[i]);
        assertFalse(batch.idGiven[i]);
        assertEquals(Result.ACCEPTED, batch.result(i));
        assertEquals(-1, batch.position[i]);
    }

    @Test
    void writersPlaceEachItemsBytesApart() {
        TransferBatch batch = new TransferBatch();
        byte[] parents = new byte[3 * TransferBatch.ID_SIZE];
        for (int k = 0; k < parents.length; k++) {
            parents[k] = (byte) k;
        }
        int a = batch.add(1, 2, 3, 1, 5);
        batch.setParents(a, parents, 0, 1);
        batch.setMemo(a, "abc".getBytes(), 0, 3);
        int b = batch.add(2, 1, 3, 1, 5);
        batch.setParents(b, parents, TransferBatch.ID_SIZE, 2);
        batch.setMemo(b, "hello".getBytes(), 1, 4);
        batch.setCommitted(b, 12, parents, 0);

        assertEquals(1, batch.parentCount[a]);
        assertEquals(2, batch.parentCount[b]);
        assertArrayEquals(Arrays.copyOfRange(parents, 0, TransferBatch.ID_SIZE),
                Arrays.copyOfRange(batch.parents, batch.parentOffset[a], batch.parentOffset[a] + TransferBatch.ID_SIZE));
        assertArrayEquals(Arrays.copyOfRange(parents, TransferBatch.ID_SIZE, 3 * TransferBatch.ID_SIZE),
                Arrays.copyOfRange(batch.parents, batch.parentOffset[b], batch.parentOffset[b] + 2 * TransferBatch.ID_SIZE));
        assertEquals("abc", new String(batch.memos, batch.memoOffset[a], batch.memoSize[a]));
        assertEquals("ello", new String(batch.memos, batch.memoOffset[b], batch.memoSize[b]));
        assertEquals(12, batch.position[b]);
        assertEquals(-1, batch.position[a]);
        assertArrayEquals(Arrays.copyOfRange(parents, 0, TransferBatch.ID_SIZE),
                Arrays.copyOfRange(batch.id, b * TransferBatch.ID_SIZE, (b + 1) * TransferBatch.ID_SIZE));
    }

    @Test
    void writersGrowTheSharedArraysAndKeepWhatIsInThem() {
        TransferBatch batch = new TransferBatch();
        byte[] memo = filled(TransferBatch.MEMO_SIZE_MAX, 'x');
        byte[] parents = filled(TransferBatch.PARENT_COUNT_MAX * TransferBatch.ID_SIZE, 3);
        int memosLength = batch.memos.length;
        int parentsLength = batch.parents.length;
        for (int k = 0; k < TransferBatch.ITEM_COUNT_MAX; k++) {
            int i = batch.add(1, 2, 1, k + 1, 5);
            batch.setParents(i, parents, 0, TransferBatch.PARENT_COUNT_MAX);
            batch.setMemo(i, memo, 0, memo.length);
        }
        assertTrue(batch.memos.length > memosLength);
        assertTrue(batch.parents.length > parentsLength);
        for (int i = 0; i < batch.count; i += 997) {
            assertArrayEquals(memo, Arrays.copyOfRange(batch.memos, batch.memoOffset[i], batch.memoOffset[i] + batch.memoSize[i]));
            assertArrayEquals(parents, Arrays.copyOfRange(batch.parents, batch.parentOffset[i],
                    batch.parentOffset[i] + batch.parentCount[i] * TransferBatch.ID_SIZE));
        }
    }

    @Test
    void addOnAFullBatchFailsLoudly() {
        TransferBatch batch = new TransferBatch();
        for (int k = 0; k < TransferBatch.ITEM_COUNT_MAX; k++) {
            batch.add(1, 2, 1, k + 1, 5);
        }
        assertTrue(batch.isFull());
        assertThrows(IllegalStateException.class, () -> batch.add(1, 2, 1, 1, 5));
    }
}
