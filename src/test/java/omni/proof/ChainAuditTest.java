package omni.proof;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChainAuditTest {
    private MemoryCheckpointStore store;
    private NodeKey key;

    @BeforeEach
    void chainOfFiveCheckpoints(@TempDir Path dir) throws Exception {
        store = new MemoryCheckpointStore();
        key = NodeKey.loadOrCreate(dir);
        Checkpointer checkpointer = new Checkpointer(store, key, new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT),
                1000, c -> { });
        Random random = new Random(11);
        checkpointer.sealOnce();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3 + i * 5; j++) {
                store.append(TestTransfers.random(random));
            }
            checkpointer.sealOnce();
        }
    }

    private List<ChainAudit.Finding> audit() throws StorageException {
        List<Long> progress = new ArrayList<>();
        ChainAudit.Report report = ChainAudit.run(store, key.publicKey(), (seq, latest, findings) -> {
            assertEquals(5, latest);
            progress.add(seq);
        });
        assertEquals(5, report.checkpointCount());
        assertEquals(report.findingCount(), report.findings().size());
        assertEquals(store.checkpoints(1, 5).stream().map(Checkpoint::seq).toList(), progress);
        return report.findings();
    }

    /** Re-signs a checkpoint with changed fields, as a sealer with the node key (but a bug) would have. */
    private Checkpoint resigned(long seq, byte[] prev, long first, long last, long count, byte[] root) {
        Checkpoint c = store.checkpoint(seq);
        byte[] hash = Checkpoint.computeHash(seq, prev, first, last, count, root, c.timestamp());
        return new Checkpoint(seq, prev, first, last, count, root, c.timestamp(), hash, key.sign(hash));
    }

    @Test
    void anIntactChainPasses() throws Exception {
        assertEquals(List.of(), audit());
    }

    @Test
    void aBrokenPrevChainIsReported() throws Exception {
        Checkpoint c = store.checkpoint(3);
        byte[] prev = c.prev();
        prev[0] ^= 1;
        store.overwrite(resigned(3, prev, c.firstPosition(), c.lastPosition(), c.count(), c.root()));
        List<ChainAudit.Finding> findings = audit();
        assertEquals(ChainAudit.Problem.PREV_MISMATCH, findings.get(0).problem(), findings.toString());
        assertEquals(3, findings.get(0).seq());
        // Checkpoint 4 still names the original hash of 3, which is no longer stored.
        assertEquals(ChainAudit.Problem.PREV_MISMATCH, findings.get(1).problem(), findings.toString());
        assertEquals(4, findings.get(1).seq());
        assertEquals(2, findings.size(), findings.toString());
    }

    @Test
    void aWrongRootIsReported() throws Exception {
        Checkpoint c = store.checkpoint(5);
        byte[] root = c.root();
        root[31] ^= 0x40;
        store.overwrite(resigned(5, c.prev(), c.firstPosition(), c.lastPosition(), c.count(), root));
        List<ChainAudit.Finding> findings = audit();
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(ChainAudit.Problem.ROOT_MISMATCH, findings.get(0).problem());
        assertEquals(5, findings.get(0).seq());
    }

    @Test
    void aBadSignatureIsReported() throws Exception {
        Checkpoint c = store.checkpoint(2);
        byte[] signature = c.signature();
        signature[10] ^= 1;
        store.overwrite(new Checkpoint(c.seq(), c.prev(), c.firstPosition(), c.lastPosition(), c.count(), c.root(),
                c.timestamp(), c.hash(), signature));
        List<ChainAudit.Finding> findings = audit();
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(ChainAudit.Problem.SIGNATURE_INVALID, findings.get(0).problem());
    }

    @Test
    void aTamperedFieldWithTheOldHashIsReportedAsHashMismatch() throws Exception {
        Checkpoint c = store.checkpoint(4);
        store.overwrite(new Checkpoint(c.seq(), c.prev(), c.firstPosition(), c.lastPosition(), c.count(), c.root(),
                c.timestamp() + 1, c.hash(), c.signature()));
        List<ChainAudit.Finding> findings = audit();
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(ChainAudit.Problem.HASH_MISMATCH, findings.get(0).problem());
    }

    @Test
    void gapsMissingCheckpointsAndBadCountsAreReported() throws Exception {
        Checkpoint c = store.checkpoint(4);
        store.overwrite(resigned(4, c.prev(), c.firstPosition() + 1, c.lastPosition(), c.count() - 1, c.root()));
        store.delete(2);
        List<ChainAudit.Finding> findings = audit();
        List<ChainAudit.Problem> problems = findings.stream().map(ChainAudit.Finding::problem).toList();
        assertTrue(problems.contains(ChainAudit.Problem.MISSING), findings.toString());
        assertTrue(problems.contains(ChainAudit.Problem.POSITIONS_NOT_CONTIGUOUS), findings.toString());
        assertTrue(problems.contains(ChainAudit.Problem.ROOT_MISMATCH), findings.toString());
        // Seq 3 follows the missing seq 2: its link cannot be checked, its content can and is fine.
        assertTrue(findings.stream().noneMatch(f -> f.seq() == 3), findings.toString());
    }

    @Test
    void aCheckpointBeyondTheCommittedPositionsIsReported() throws Exception {
        Checkpoint c = store.checkpoint(5);
        store.overwrite(resigned(5, c.prev(), c.firstPosition(), c.lastPosition() + 2, c.count() + 2, c.root()));
        List<ChainAudit.Finding> findings = audit();
        assertEquals(ChainAudit.Problem.BEYOND_COMMITTED, findings.get(0).problem(), findings.toString());
    }
}
