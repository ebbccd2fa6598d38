package omni.bus;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A real {@link EventSource} held in memory: it generates (seeded) random ids for the positions it "commits",
 * seals checkpoints over what it committed, and keeps meta values. Tests drive it the way the committer and the
 * checkpointer drive the store and the bus.
 */
public final class MemoryEventSource implements EventSource {
    private static final int ID_SIZE = 32;

    private final ReentrantLock lock = new ReentrantLock();
    private final Random random;
    private final Map<Long, String> checkpoints = new HashMap<>();
    private final Map<String, Long> meta = new HashMap<>();
    /** ids[i * 32 ..] is the id of position i + 1 (genesis, position 0, is not an event). */
    private byte[] ids = new byte[ID_SIZE * 1024];
    private long lastPosition;
    private long latestSeq;
    private long sealedPosition;
    /** The longest single publishCommit/publishCheckpoint call: the committer's view of the bus. */
    private volatile long slowestPublishNs;
    /** While true every read and write fails, as a store that cannot be reached does. */
    private volatile boolean unreachable;

    public MemoryEventSource(long seed) {
        this.random = new Random(seed);
    }

    /** A source with a fresh random seed, printed so that a failing run can be repeated. */
    public static MemoryEventSource withPrintedSeed() {
        long seed = new Random().nextLong();
        System.out.println("seed " + seed);
        return new MemoryEventSource(seed);
    }

    /** The seed's generator for a test's own choices (batch sizes), derived so that one seed repeats the run. */
    public Random testRandom() {
        lock.lock();
        try {
            return new Random(random.nextLong());
        } finally {
            lock.unlock();
        }
    }

    /** Commits {@code count} new positions with random ids and publishes them on {@code bus}, like the committer. */
    public long commitAndPublish(EventBus bus, int count) {
        return commitAndPublish(bus, count, true);
    }

    /** Commits without telling this node's bus, as another cluster member's committer does. */
    public long commitElsewhere(int count) {
        return commitAndPublish(null, count, false);
    }

    private long commitAndPublish(EventBus bus, int count, boolean publish) {
        byte[] batch = new byte[count * ID_SIZE];
        long first;
        lock.lock();
        try {
            random.nextBytes(batch);
            first = lastPosition + 1;
            long needed = (lastPosition + count) * ID_SIZE;
            if (needed > ids.length) {
                ids = java.util.Arrays.copyOf(ids, (int) Math.max(needed, 2L * ids.length));
            }
            System.arraycopy(batch, 0, ids, (int) (lastPosition * ID_SIZE), batch.length);
            lastPosition += count;
        } finally {
            lock.unlock();
        }
        if (!publish) {
            return first + count - 1;
        }
        long startNs = System.nanoTime();
        bus.publishCommit(first, first + count - 1, batch, 0);
        slowestPublishNs = Math.max(slowestPublishNs, System.nanoTime() - startNs);
        return first + count - 1;
    }

    /** Seals a checkpoint over everything committed since the last one (if anything) and publishes it. */
    public long checkpointAndPublish(EventBus bus) {
        String json;
        long seq;
        lock.lock();
        try {
            if (sealedPosition == lastPosition) {
                return latestSeq;
            }
            seq = ++latestSeq;
            json = "{\"seq\":" + seq + ",\"firstPosition\":" + (seq == 1 ? 0 : sealedPosition + 1)
                    + ",\"lastPosition\":" + lastPosition + "}";
            sealedPosition = lastPosition;
            checkpoints.put(seq, json);
        } finally {
            lock.unlock();
        }
        long startNs = System.nanoTime();
        bus.publishCheckpoint(seq, json);
        slowestPublishNs = Math.max(slowestPublishNs, System.nanoTime() - startNs);
        return seq;
    }

    /** Makes every EventSource method throw (true) or work again (false); commits still happen. */
    public void unreachable(boolean unreachable) {
        this.unreachable = unreachable;
    }

    private void checkReachable() {
        if (unreachable) {
            throw new IllegalStateException("memory ledger unreachable (test)");
        }
    }

    public long slowestPublishNs() {
        return slowestPublishNs;
    }

    @Override
    public long lastPosition() {
        checkReachable();
        lock.lock();
        try {
            return lastPosition;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) {
        checkReachable();
        lock.lock();
        try {
            if (fromPosition < 1 || toPosition > lastPosition || toPosition < fromPosition) {
                throw new IllegalArgumentException("positions " + fromPosition + ".." + toPosition + " of 1.." + lastPosition);
            }
            System.arraycopy(ids, (int) ((fromPosition - 1) * ID_SIZE), out, outOffset,
                    (int) ((toPosition - fromPosition + 1) * ID_SIZE));
        } finally {
            lock.unlock();
        }
    }

    /** The id of one position as 64 hex digits. */
    public String idHex(long position) {
        byte[] id = new byte[ID_SIZE];
        readIds(position, position, id, 0);
        return HexFormat.of().formatHex(id);
    }

    @Override
    public long latestCheckpointSeq() {
        checkReachable();
        lock.lock();
        try {
            return latestSeq;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String checkpointJson(long seq) {
        checkReachable();
        lock.lock();
        try {
            return checkpoints.get(seq);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long getMeta(String key, long missing) {
        checkReachable();
        lock.lock();
        try {
            return meta.getOrDefault(key, missing);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void putMeta(String key, long value) {
        checkReachable();
        lock.lock();
        try {
            meta.put(key, value);
        } finally {
            lock.unlock();
        }
    }
}
