package omni.proof;

import omni.kernel.TransferIds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A real, in-memory {@link CheckpointStore} for tests: committed transfers in a list (position = index,
 * genesis of ledger "omni" at 0) and checkpoints by seq, with the unique-seq rule the SQL stores enforce.
 * Tests may overwrite a stored checkpoint to simulate corruption.
 */
public final class MemoryCheckpointStore implements CheckpointStore {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Transfer> transfers = new ArrayList<>();
    private final TreeMap<Long, Checkpoint> checkpoints = new TreeMap<>();
    int readIdsCalls;
    boolean failSaves;

    public MemoryCheckpointStore() {
        byte[] memo = TransferIds.genesisMemo("omni");
        transfers.add(new Transfer(0, 0, 0, 0, 0, new byte[0], memo, TransferIds.genesisId("omni")));
    }

    public long append(Transfer transfer) {
        lock.lock();
        try {
            transfers.add(transfer);
            return transfers.size() - 1;
        } finally {
            lock.unlock();
        }
    }

    public Transfer transferAt(long position) {
        lock.lock();
        try {
            return position < transfers.size() ? transfers.get((int) position) : null;
        } finally {
            lock.unlock();
        }
    }

    /** Replaces a stored checkpoint without any check: what corruption or tampering in storage looks like. */
    void overwrite(Checkpoint checkpoint) {
        lock.lock();
        try {
            checkpoints.put(checkpoint.seq(), checkpoint);
        } finally {
            lock.unlock();
        }
    }

    void delete(long seq) {
        lock.lock();
        try {
            checkpoints.remove(seq);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long lastPosition() {
        lock.lock();
        try {
            return transfers.size() - 1;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void readIds(long fromPosition, long toPosition, byte[] out, int outOffset) throws StorageException {
        lock.lock();
        try {
            readIdsCalls++;
            if (fromPosition < 0 || toPosition >= transfers.size() || fromPosition > toPosition) {
                throw new StorageException("readIds " + fromPosition + ".." + toPosition + ": committed 0.."
                        + (transfers.size() - 1));
            }
            for (long p = fromPosition; p <= toPosition; p++) {
                System.arraycopy(transfers.get((int) p).id(), 0, out, outOffset + (int) (p - fromPosition) * 32, 32);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void saveCheckpoint(Checkpoint checkpoint) throws StorageException {
        lock.lock();
        try {
            if (failSaves) {
                throw new StorageException("saveCheckpoint seq=" + checkpoint.seq() + ": storage down (test)");
            }
            if (checkpoints.containsKey(checkpoint.seq())) {
                throw new StorageException("saveCheckpoint seq=" + checkpoint.seq() + ": duplicate seq (latest seq="
                        + checkpoints.lastKey() + ")");
            }
            checkpoints.put(checkpoint.seq(), checkpoint);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Checkpoint latestCheckpoint() {
        lock.lock();
        try {
            return checkpoints.isEmpty() ? null : checkpoints.lastEntry().getValue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Checkpoint checkpoint(long seq) {
        lock.lock();
        try {
            return checkpoints.get(seq);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Checkpoint> checkpoints(long fromSeq, long toSeq) {
        lock.lock();
        try {
            return fromSeq > toSeq ? List.of() : List.copyOf(checkpoints.subMap(fromSeq, true, toSeq, true).values());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Checkpoint checkpointCovering(long position) {
        lock.lock();
        try {
            for (Map.Entry<Long, Checkpoint> e : checkpoints.entrySet()) {
                Checkpoint c = e.getValue();
                if (c.firstPosition() <= position && position <= c.lastPosition()) {
                    return c;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }
}
