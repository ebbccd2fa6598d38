package omni.proof;

import omni.kernel.Hex;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-verifies a stored checkpoint chain (what {@code omni audit} runs): for every checkpoint from seq 1
 * to the latest, that no seq is missing, {@code prev} is the previous checkpoint's hash (32 zero bytes
 * for seq 1), positions continue where the previous checkpoint ended (seq 1 at 0, genesis),
 * {@code count} = last - first + 1, the root recomputes from the stored ids, the hash recomputes, and
 * the signature verifies under the given public key. It reports every problem it finds (up to
 * {@link #FINDINGS_MAX}) rather than stopping at the first. Memory: one checkpoint's ids and levels at a time.
 */
public final class ChainAudit {
    /** Findings kept in the report; more are counted. A broken store can fail every checkpoint. */
    public static final int FINDINGS_MAX = 1000;
    /** Checkpoints read from storage per query. */
    static final int PAGE_SIZE = 256;

    /** What a checkpoint failed. */
    public enum Problem {
        MISSING("missing"),
        PREV_MISMATCH("prev_mismatch"),
        POSITIONS_NOT_CONTIGUOUS("positions_not_contiguous"),
        COUNT_MISMATCH("count_mismatch"),
        ROOT_MISMATCH("root_mismatch"),
        HASH_MISMATCH("hash_mismatch"),
        SIGNATURE_INVALID("signature_invalid"),
        BEYOND_COMMITTED("beyond_committed"),
        /** A position the checkpoint seals is not stored (a deleted row): its root cannot be recomputed. */
        POSITION_MISSING("position_missing");

        private final String wireName;

        Problem(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    public record Finding(long seq, Problem problem, String detail) {
        @Override
        public String toString() {
            return "checkpoint " + seq + ": " + problem.wireName() + ": " + detail;
        }
    }

    /** Result: {@code findingCount} problems, the first {@link #FINDINGS_MAX} of them in {@code findings}. */
    public record Report(long checkpointCount, long positionCount, long findingCount, List<Finding> findings) {
        public boolean ok() {
            return findingCount == 0;
        }
    }

    /** Called after each checkpoint; {@code latestSeq} is the total to go. */
    @FunctionalInterface
    public interface Progress {
        void checked(long seq, long latestSeq, long findingCount);
    }

    private final CheckpointStore store;
    private final byte[] publicKey;
    private final List<Finding> findings = new ArrayList<>();
    private long findingCount;

    private ChainAudit(CheckpointStore store, byte[] publicKey) {
        this.store = store;
        this.publicKey = publicKey.clone();
    }

    /** Audits the whole chain in {@code store} under {@code publicKey} (raw 32 bytes). */
    public static Report run(CheckpointStore store, byte[] publicKey, Progress progress) throws StorageException {
        return new ChainAudit(store, publicKey).audit(progress);
    }

    private Report audit(Progress progress) throws StorageException {
        Checkpoint latest = store.latestCheckpoint();
        if (latest == null) {
            return new Report(0, 0, 0, List.of());
        }
        long committed = store.lastPosition();
        Checkpoint previous = null;
        long expectedSeq = 1;
        long positions = 0;
        for (long from = 1; from <= latest.seq(); from += PAGE_SIZE) {
            for (Checkpoint c : store.checkpoints(from, Math.min(latest.seq(), from + PAGE_SIZE - 1))) {
                for (; expectedSeq < c.seq(); expectedSeq++) {
                    report(expectedSeq, Problem.MISSING, "no checkpoint with this seq is stored");
                }
                checkLink(previous, c);
                checkContent(c, committed);
                positions += Math.max(0, c.count());
                previous = c;
                expectedSeq = c.seq() + 1;
                progress.checked(c.seq(), latest.seq(), findingCount);
            }
        }
        for (; expectedSeq <= latest.seq(); expectedSeq++) {
            report(expectedSeq, Problem.MISSING, "no checkpoint with this seq is stored");
        }
        return new Report(latest.seq(), positions, findingCount, List.copyOf(findings));
    }

    /** The chain between {@code previous} (null before seq 1 or after a gap) and {@code c}. */
    private void checkLink(Checkpoint previous, Checkpoint c) {
        boolean adjacent = previous != null && previous.seq() == c.seq() - 1;
        if (c.seq() == 1 || adjacent) {
            byte[] expectedPrev = c.seq() == 1 ? Checkpoint.genesisPrev() : previous.hash();
            if (!MessageDigest.isEqual(expectedPrev, c.prev())) {
                report(c.seq(), Problem.PREV_MISMATCH, "prev is " + Hex.encode(c.prev()) + ", the hash of checkpoint "
                        + (c.seq() - 1) + " is " + Hex.encode(expectedPrev));
            }
            long expectedFirst = c.seq() == 1 ? 0 : previous.lastPosition() + 1;
            if (c.firstPosition() != expectedFirst) {
                report(c.seq(), Problem.POSITIONS_NOT_CONTIGUOUS, "firstPosition is " + c.firstPosition()
                        + ", expected " + expectedFirst);
            }
        }
    }

    private void checkContent(Checkpoint c, long committed) throws StorageException {
        boolean countOk = c.count() == c.lastPosition() - c.firstPosition() + 1 && c.count() >= 1;
        if (!countOk) {
            report(c.seq(), Problem.COUNT_MISMATCH, "count " + c.count() + " for positions " + c.firstPosition()
                    + ".." + c.lastPosition());
        } else if (c.lastPosition() > committed) {
            report(c.seq(), Problem.BEYOND_COMMITTED, "seals up to position " + c.lastPosition()
                    + " but the store has committed only up to " + committed);
        } else if (c.count() > Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX) {
            report(c.seq(), Problem.COUNT_MISMATCH, "count " + c.count() + " exceeds the "
                    + Checkpointer.TRANSFERS_PER_CHECKPOINT_MAX + " transfers a checkpoint may seal");
        } else {
            checkRoot(c);
        }
        if (!c.hashRecomputes()) {
            report(c.seq(), Problem.HASH_MISMATCH, "hash is " + Hex.encode(c.hash()) + ", the fields give "
                    + Hex.encode(c.recomputeHash()));
        }
        if (!NodeKey.verify(publicKey, c.hash(), c.signature())) {
            report(c.seq(), Problem.SIGNATURE_INVALID, "signature does not verify under public key " + Hex.encode(publicKey));
        }
    }

    /** The root against the stored ids; a missing row is a finding, not a reason to stop the audit. */
    private void checkRoot(Checkpoint c) throws StorageException {
        byte[] ids = new byte[Math.toIntExact(c.count() * MerkleTree.HASH_SIZE)];
        try {
            store.readIds(c.firstPosition(), c.lastPosition(), ids, 0);
        } catch (StorageException e) {
            if (e.missingPosition() < 0) {
                throw e;
            }
            report(c.seq(), Problem.POSITION_MISSING, "position " + e.missingPosition() + " is not stored, so the root of "
                    + "positions " + c.firstPosition() + ".." + c.lastPosition() + " cannot be recomputed");
            return;
        }
        byte[] root = MerkleTree.fromIdsInPlace(ids, (int) c.count()).root();
        if (!MessageDigest.isEqual(root, c.root())) {
            report(c.seq(), Problem.ROOT_MISMATCH, "root is " + Hex.encode(c.root()) + ", the stored ids of positions "
                    + c.firstPosition() + ".." + c.lastPosition() + " give " + Hex.encode(root));
        }
    }

    private void report(long seq, Problem problem, String detail) {
        findingCount++;
        if (findings.size() < FINDINGS_MAX) {
            findings.add(new Finding(seq, problem, detail));
        }
    }
}
