package omni.cluster;

import java.util.Arrays;

import omni.kernel.TransferBatch;

/**
 * Orders the forwarding of a request's items so that the answer is the one a single node validating them in
 * request order gives (docs/cluster.md, "Forwarding"). Items are sent in waves: every owner's items of one wave
 * at once, the next wave once every owner has answered the previous one. An item's result depends only on the
 * items it interacts with, so two items of different owners that interact go in different waves, the earlier
 * one first; two that do not may commit in either order with the same results. Items of one owner keep their
 * request order (their owner validates them in the order sent), so they need no waves among themselves.
 *
 * <p>Items {@code i} before {@code j} of different owners interact when {@code j} may see {@code i}'s effect (one
 * of {@code j}'s parents is {@code i}'s id; {@code j}'s sender is {@code i}'s receiver, a credit it may need) or
 * when {@code i} must not see {@code j}'s (one of {@code i}'s parents is {@code j}'s id; {@code i}'s sender is
 * {@code j}'s receiver: a credit committed first would pay what one node rejects). So
 * {@code wave(j) = max(wave of the previous item of j's owner, 1 + max wave of the earlier items of other owners
 * that interact with j)}, 0 for the first. Ids are compared by their first 8 bytes: a collision only adds a wave.
 *
 * <p>Computed in one pass with four tables (receivers, senders, ids, parents seen so far), each keeping per key
 * the highest wave and, from any other owner, the highest wave too: that answers "highest wave of an earlier
 * item of another owner" in one probe. Sized to the request, so a plan is made per request.
 */
final class WavePlan {
    private final WaveTable receivers;
    private final WaveTable senders;
    private final WaveTable ids;
    private final WaveTable parents;
    private final int[] lastWaveOfOwner;

    /**
     * @param itemCountMax items that {@link #waveOf} will be called for
     * @param parentCountMax parents of those items in all
     * @param ownerCount owners are 0 .. ownerCount-1
     */
    WavePlan(int itemCountMax, int parentCountMax, int ownerCount) {
        receivers = new WaveTable(itemCountMax);
        senders = new WaveTable(itemCountMax);
        ids = new WaveTable(itemCountMax);
        parents = new WaveTable(parentCountMax);
        lastWaveOfOwner = new int[ownerCount];
    }

    /** The wave of item {@code i} of {@code batch}, owned by {@code owner}; call for items in request order. */
    int waveOf(TransferBatch batch, int i, int owner) {
        int wave = lastWaveOfOwner[owner];
        wave = Math.max(wave, 1 + receivers.highestOfOthers(batch.sender[i], owner));
        wave = Math.max(wave, 1 + senders.highestOfOthers(batch.receiver[i], owner));
        long id = idKey(batch.id, i * TransferBatch.ID_SIZE);
        wave = Math.max(wave, 1 + parents.highestOfOthers(id, owner));
        int parentAt = batch.parentOffset[i];
        for (int k = 0; k < batch.parentCount[i]; k++) {
            wave = Math.max(wave, 1 + ids.highestOfOthers(idKey(batch.parents, parentAt + k * TransferBatch.ID_SIZE), owner));
        }
        lastWaveOfOwner[owner] = wave;
        receivers.note(batch.receiver[i], wave, owner);
        senders.note(batch.sender[i], wave, owner);
        ids.note(id, wave, owner);
        for (int k = 0; k < batch.parentCount[i]; k++) {
            parents.note(idKey(batch.parents, parentAt + k * TransferBatch.ID_SIZE), wave, owner);
        }
        return wave;
    }

    private static long idKey(byte[] ids, int offset) {
        long key = 0;
        for (int b = 0; b < Long.BYTES; b++) {
            key = key << 8 | (ids[offset + b] & 0xff);
        }
        return key;
    }

    /**
     * Open addressing from a long key to the highest wave noted for it (and by which owner) and the highest wave
     * noted by any other owner than that one; -1 where none. At most half full, so a probe ends quickly.
     */
    private static final class WaveTable {
        private static final int NONE = -1;
        private final long[] keys;
        private final boolean[] used;
        private final int[] bestWave;
        private final int[] bestOwner;
        private final int[] otherWave;
        private final int mask;

        WaveTable(int entryCountMax) {
            int capacity = Integer.highestOneBit(Math.max(2, entryCountMax) * 2 - 1) << 1;
            keys = new long[capacity];
            used = new boolean[capacity];
            bestWave = new int[capacity];
            bestOwner = new int[capacity];
            otherWave = new int[capacity];
            Arrays.fill(otherWave, NONE);
            mask = capacity - 1;
        }

        /** The highest wave noted for {@code key} by an owner other than {@code owner}, or -1. */
        int highestOfOthers(long key, int owner) {
            int slot = find(key);
            if (!used[slot]) {
                return NONE;
            }
            return bestOwner[slot] != owner ? bestWave[slot] : otherWave[slot];
        }

        void note(long key, int wave, int owner) {
            int slot = find(key);
            if (!used[slot]) {
                used[slot] = true;
                keys[slot] = key;
                bestWave[slot] = wave;
                bestOwner[slot] = owner;
                return;
            }
            if (bestOwner[slot] == owner) {
                bestWave[slot] = Math.max(bestWave[slot], wave);
            } else if (wave > bestWave[slot]) {
                otherWave[slot] = bestWave[slot];
                bestWave[slot] = wave;
                bestOwner[slot] = owner;
            } else {
                otherWave[slot] = Math.max(otherWave[slot], wave);
            }
        }

        private int find(long key) {
            int slot = (int) mix(key) & mask;
            while (used[slot] && keys[slot] != key) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        private static long mix(long key) {
            long h = key * 0x9e3779b97f4a7c15L;
            return h ^ (h >>> 32);
        }
    }
}
