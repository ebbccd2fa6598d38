package omni.proof;

import java.util.ArrayList;
import java.util.List;

/**
 * A checkpoint store for benchmarks: the id at position p is derived from p (no memory per transfer),
 * {@link #commit(long)} advances what is committed, and checkpoints are kept in a list.
 */
final class BenchCheckpointStore implements CheckpointStore {
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private long lastPosition;

    void commit(long count) {
        lastPosition += count;
    }

    static void idOf(long position, byte[] out, int offset) {
        long x = position * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < 32; i++) {
            x ^= x >>> 29;
            x *= 0xBF58476D1CE4E5B9L;
            out[offset + i] = (byte) x;
        }
    }

    @Override
    public long lastPosition() {
        return lastPosition;
    }

    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) {
        for (long p = fromPosition; p <= toPosition; p++) {
            idOf(p, out, outOffset + (int) (p - fromPosition) * 32);
        }
    }

    @Override
    public void saveCheckpoint(Checkpoint checkpoint) {
        checkpoints.add(checkpoint);
    }

    @Override
    public Checkpoint latestCheckpoint() {
        return checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
    }

    @Override
    public Checkpoint checkpoint(long seq) {
        return seq >= 1 && seq <= checkpoints.size() ? checkpoints.get((int) seq - 1) : null;
    }

    @Override
    public List<Checkpoint> checkpoints(long fromSeq, long toSeq) {
        List<Checkpoint> out = new ArrayList<>();
        for (long s = Math.max(1, fromSeq); s <= Math.min(toSeq, checkpoints.size()); s++) {
            out.add(checkpoints.get((int) s - 1));
        }
        return out;
    }

    @Override
    public Checkpoint checkpointCovering(long position) {
        for (Checkpoint c : checkpoints) {
            if (c.firstPosition() <= position && position <= c.lastPosition()) {
                return c;
            }
        }
        return null;
    }
}
