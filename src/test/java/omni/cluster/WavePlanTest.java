package omni.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import omni.kernel.TransferBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;

import java.util.stream.Stream;

/**
 * The waves of {@link WavePlan}: one row per way two items of different owners interact (and the ways they do
 * not), then seeded random requests against the definition computed pair by pair.
 */
class WavePlanTest {
    private static final int X = 0;
    private static final int Y = 1;
    private static final int Z = 2;
    /** Parent "none": the item's only parent is outside the request. */
    private static final int OUTSIDE = -1;

    /** {owner, sender, receiver, parent item index (or OUTSIDE)} per item, and the expected waves. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("independent items of two owners go together",
                        new int[][] {{X, 1, 2, OUTSIDE}, {Y, 3, 4, OUTSIDE}}, new int[] {0, 0}),
                Arguments.of("a credit to a later item's sender of another owner comes first",
                        new int[][] {{X, 1, 2, OUTSIDE}, {Y, 2, 3, OUTSIDE}}, new int[] {0, 1}),
                Arguments.of("a parent of another owner comes first",
                        new int[][] {{X, 1, 2, OUTSIDE}, {Y, 3, 4, 0}}, new int[] {0, 1}),
                Arguments.of("a later credit to an earlier sender of another owner comes after it",
                        new int[][] {{X, 2, 3, OUTSIDE}, {Y, 1, 2, OUTSIDE}}, new int[] {0, 1}),
                Arguments.of("a later item an earlier one of another owner names as parent comes after it",
                        new int[][] {{X, 1, 2, 1}, {Y, 3, 4, OUTSIDE}}, new int[] {0, 1}),
                Arguments.of("items of one owner need no waves among themselves",
                        new int[][] {{X, 1, 2, OUTSIDE}, {X, 2, 3, 0}, {X, 3, 1, 1}}, new int[] {0, 0, 0}),
                Arguments.of("an owner's items keep their order: none goes in an earlier wave than the one before",
                        new int[][] {{X, 1, 2, OUTSIDE}, {Y, 2, 3, OUTSIDE}, {Y, 5, 6, OUTSIDE}, {X, 7, 8, OUTSIDE}},
                        new int[] {0, 1, 1, 0}),
                Arguments.of("a chain across three owners and back",
                        new int[][] {{X, 1, 2, OUTSIDE}, {Y, 2, 3, OUTSIDE}, {Z, 3, 4, OUTSIDE}, {X, 4, 5, OUTSIDE}},
                        new int[] {0, 1, 2, 3}),
                Arguments.of("receiving from the same sender is no interaction",
                        new int[][] {{X, 1, 9, OUTSIDE}, {Y, 2, 9, OUTSIDE}}, new int[] {0, 0}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void wavesFollowTheInteractions(String name, int[][] items, int[] expected) {
        TransferBatch batch = new TransferBatch();
        int[] owners = new int[items.length];
        for (int[] item : items) {
            add(batch, item[1], item[2], item[3]);
        }
        for (int i = 0; i < items.length; i++) {
            owners[i] = items[i][0];
        }
        assertArrayEquals(expected, waves(batch, owners, 3), name);
    }

    @Test
    void randomRequestsGetTheWavesOfTheDefinition() {
        long seed = System.nanoTime();
        System.out.println("WavePlanTest seed " + seed);
        Random random = new Random(seed);
        for (int round = 0; round < 500; round++) {
            int count = 1 + random.nextInt(60);
            int ownerCount = 1 + random.nextInt(4);
            int accountCount = 2 + random.nextInt(10);
            TransferBatch batch = new TransferBatch();
            int[] owners = new int[count];
            for (int i = 0; i < count; i++) {
                int sender = random.nextInt(accountCount);
                int receiver = (sender + 1 + random.nextInt(accountCount - 1)) % accountCount;
                int parent = random.nextInt(3) == 0 ? random.nextInt(count) : OUTSIDE;
                add(batch, sender, receiver, parent);
                owners[i] = random.nextInt(ownerCount);
            }
            assertArrayEquals(byDefinition(batch, owners), waves(batch, owners, ownerCount),
                    "seed " + seed + ", round " + round);
        }
    }

    private static int[] waves(TransferBatch batch, int[] owners, int ownerCount) {
        WavePlan plan = new WavePlan(batch.count, batch.parentsSize / TransferBatch.ID_SIZE, ownerCount);
        int[] waves = new int[batch.count];
        for (int i = 0; i < batch.count; i++) {
            waves[i] = plan.waveOf(batch, i, owners[i]);
        }
        return waves;
    }

    /** The class comment's definition, pair by pair. */
    private static int[] byDefinition(TransferBatch batch, int[] owners) {
        int[] waves = new int[batch.count];
        for (int j = 0; j < batch.count; j++) {
            int wave = 0;
            for (int i = 0; i < j; i++) {
                if (owners[i] == owners[j]) {
                    wave = Math.max(wave, waves[i]);
                } else if (interact(batch, i, j)) {
                    wave = Math.max(wave, waves[i] + 1);
                }
            }
            waves[j] = wave;
        }
        return waves;
    }

    private static boolean interact(TransferBatch batch, int i, int j) {
        return batch.receiver[i] == batch.sender[j] || batch.receiver[j] == batch.sender[i]
                || hasParent(batch, j, i) || hasParent(batch, i, j);
    }

    private static boolean hasParent(TransferBatch batch, int item, int parent) {
        return batch.parentCount[item] == 1 && java.util.Arrays.equals(batch.parents, batch.parentOffset[item],
                batch.parentOffset[item] + TransferBatch.ID_SIZE, batch.id, parent * TransferBatch.ID_SIZE,
                (parent + 1) * TransferBatch.ID_SIZE);
    }

    /** Adds an item whose id is its index + 1 (big-endian in the first 8 bytes) and one parent. */
    private static void add(TransferBatch batch, long sender, long receiver, int parentIndex) {
        int i = batch.add(sender, receiver, 1, 1, 1);
        idOf(i, batch.id, i * TransferBatch.ID_SIZE);
        byte[] parent = new byte[TransferBatch.ID_SIZE];
        if (parentIndex == OUTSIDE) {
            parent[TransferBatch.ID_SIZE - 1] = 1;
        } else {
            idOf(parentIndex, parent, 0);
        }
        batch.setParents(i, parent, 0, 1);
    }

    private static void idOf(int index, byte[] out, int offset) {
        java.util.Arrays.fill(out, offset, offset + TransferBatch.ID_SIZE, (byte) 0);
        long key = index + 1L;
        for (int b = 0; b < Long.BYTES; b++) {
            out[offset + b] = (byte) (key >>> (56 - 8 * b));
        }
    }
}
