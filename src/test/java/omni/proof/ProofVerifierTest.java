package omni.proof;

import omni.proof.ProofVerifier.Reason;
import omni.proof.ProofVerifier.Verdict;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every single tampering of a proof is invalid with its specific reason. The ledger here is real: an
 * in-memory store, the checkpointer sealing checkpoints of random sizes, the prover reading cached levels.
 */
class ProofVerifierTest {
    /** Random proofs for the property test (the brief asks for at least 10,000). */
    private static final int RANDOM_PROOF_COUNT = 10_000;

    private static MemoryCheckpointStore store;
    private static Prover prover;
    private static byte[] publicKey;
    private static long seed;

    /** Each single-part tampering of a proof. */
    enum Tamper {
        SENDER, RECEIVER, AMOUNT, SEQ, TIMESTAMP, PARENT_CHANGED, PARENT_ADDED, PARENT_REMOVED, MEMO, ID,
        LEAF_INDEX, PATH_ELEMENT, PATH_SHORTER, PATH_LONGER,
        CP_SEQ, CP_PREV, CP_FIRST, CP_LAST, CP_COUNT, CP_ROOT, CP_TIMESTAMP, CP_HASH, CP_SIGNATURE,
        PUBLIC_KEY, PUBLIC_KEY_EXPECTED, FIELD_MISSING, FIELD_UNKNOWN, HEX_UPPERCASE, NOT_JSON
    }

    @BeforeAll
    static void ledger(@TempDir Path dir) throws Exception {
        seed = System.nanoTime();
        System.out.println("ProofVerifierTest seed=" + seed);
        Random random = new Random(seed);
        store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir);
        publicKey = key.publicKey();
        LevelCache cache = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        Checkpointer checkpointer = new Checkpointer(store, key, cache, 1000, c -> { });
        checkpointer.sealOnce();
        for (int i = 0; i < 60; i++) {
            int count = i < 64 ? 1 + random.nextInt(i < 20 ? 17 : 300) : 1;
            for (int j = 0; j < count; j++) {
                store.append(TestTransfers.random(random));
            }
            checkpointer.sealOnce();
        }
        prover = new Prover(store, cache, publicKey);
    }

    private static Proof proofAt(long position) throws StorageException {
        Proof proof = prover.prove(store.transferAt(position), position);
        assertNotNull(proof, "position " + position);
        return proof;
    }

    @Test
    void everyPositionOfTheSmallCheckpointsAndEveryTenthOfTheOthersProvesValid() throws Exception {
        long smallThrough = store.checkpoint(21).lastPosition();
        for (long p = 0; p <= store.lastPosition(); p += p < smallThrough ? 1 : 10) {
            Proof proof = proofAt(p);
            Verdict verdict = ProofVerifier.verify(proof.toJson(), publicKey);
            assertTrue(verdict.valid(), "position " + p + ": " + verdict.line());
            assertEquals(p, proof.checkpoint().firstPosition() + proof.leafIndex());
        }
    }

    @Test
    void everyKindOfTamperingGivesItsReason() throws Exception {
        Random random = new Random(seed + 1);
        for (Tamper tamper : Tamper.values()) {
            for (int i = 0; i < 8; i++) {
                long position = random.nextLong(store.lastPosition() + 1);
                checkTampered(proofAt(position), tamper, random);
            }
        }
    }

    @Test
    void randomProofsWithRandomTamperingAreInvalidWithTheSpecificReason() throws Exception {
        Random random = new Random(seed + 2);
        Map<Reason, Integer> seen = new EnumMap<>(Reason.class);
        Tamper[] tampers = Tamper.values();
        for (int i = 0; i < RANDOM_PROOF_COUNT; i++) {
            Proof proof = proofAt(random.nextLong(store.lastPosition() + 1));
            if (i % 10 == 0) {
                assertTrue(ProofVerifier.verify(proof.toJson(), publicKey).valid(), "proof " + i + ", seed=" + seed);
            }
            seen.merge(checkTampered(proof, tampers[random.nextInt(tampers.length)], random), 1, Integer::sum);
        }
        System.out.println("ProofVerifierTest reasons seen over " + RANDOM_PROOF_COUNT + " tampered proofs: " + seen);
        assertEquals(Reason.values().length - 2, seen.size(), "every reason but valid and inconsistent: " + seen);
    }

    /** Applies {@code tamper}, verifies, and checks the reason; returns it. */
    private static Reason checkTampered(Proof proof, Tamper tamper, Random random) {
        Reason expected = expectedReason(proof, tamper);
        String json = tamperedJson(proof, tamper, random);
        byte[] expectedKey = tamper == Tamper.PUBLIC_KEY_EXPECTED || random.nextBoolean() ? publicKey : null;
        if (tamper == Tamper.PUBLIC_KEY) {
            expectedKey = null;
        }
        Verdict verdict = ProofVerifier.verify(json, expectedKey);
        Reason want = tamper == Tamper.LEAF_INDEX ? expectedForLeafIndex(json) : expected;
        assertEquals(want, verdict.reason(), tamper + " (seed=" + seed + "): " + verdict.line() + "\n" + json);
        assertTrue(!verdict.detail().isEmpty());
        return verdict.reason();
    }

    private static Reason expectedReason(Proof proof, Tamper tamper) {
        return switch (tamper) {
            case SENDER, RECEIVER, AMOUNT, SEQ, TIMESTAMP, PARENT_CHANGED, PARENT_ADDED, PARENT_REMOVED, MEMO, ID ->
                    Reason.ID_MISMATCH;
            case LEAF_INDEX -> null; // depends on the new index: see expectedForLeafIndex
            case PATH_ELEMENT -> proof.auditPath().length == 0 ? Reason.AUDIT_PATH_LENGTH_WRONG : Reason.AUDIT_PATH_ROOT_MISMATCH;
            case PATH_SHORTER, PATH_LONGER -> Reason.AUDIT_PATH_LENGTH_WRONG;
            case CP_SEQ, CP_PREV, CP_FIRST, CP_LAST, CP_COUNT, CP_ROOT, CP_TIMESTAMP, CP_HASH -> Reason.CHECKPOINT_HASH_MISMATCH;
            case CP_SIGNATURE, PUBLIC_KEY -> Reason.SIGNATURE_INVALID;
            case PUBLIC_KEY_EXPECTED -> Reason.PUBLIC_KEY_MISMATCH;
            case FIELD_MISSING, FIELD_UNKNOWN, HEX_UPPERCASE, NOT_JSON -> Reason.MALFORMED;
        };
    }

    /** A changed leaf index: out of range, or a path of another length, or a fold to another root. */
    private static Reason expectedForLeafIndex(String json) {
        Proof tampered = Proof.fromJson(json);
        long index = tampered.leafIndex();
        long count = tampered.checkpoint().count();
        if (index < 0 || index >= count) {
            return Reason.LEAF_INDEX_OUT_OF_RANGE;
        }
        return MerkleTree.auditPathLength(index, count) != tampered.auditPath().length
                ? Reason.AUDIT_PATH_LENGTH_WRONG : Reason.AUDIT_PATH_ROOT_MISMATCH;
    }

    private static String tamperedJson(Proof p, Tamper tamper, Random random) {
        Transfer t = p.transaction();
        Checkpoint c = p.checkpoint();
        return switch (tamper) {
            case SENDER -> withTransfer(p, new Transfer(t.sender() + 1, t.receiver(), t.amount(), t.seq(), t.timestamp(), t.parents(), t.memo(), t.id()));
            case RECEIVER -> withTransfer(p, new Transfer(t.sender(), t.receiver() ^ (1L << random.nextInt(62)), t.amount(), t.seq(), t.timestamp(), t.parents(), t.memo(), t.id()));
            case AMOUNT -> withTransfer(p, new Transfer(t.sender(), t.receiver(), t.amount() + 1 + random.nextInt(100), t.seq(), t.timestamp(), t.parents(), t.memo(), t.id()));
            case SEQ -> withTransfer(p, new Transfer(t.sender(), t.receiver(), t.amount(), t.seq() + 1, t.timestamp(), t.parents(), t.memo(), t.id()));
            case TIMESTAMP -> withTransfer(p, new Transfer(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp() - 1, t.parents(), t.memo(), t.id()));
            case PARENT_CHANGED -> withTransfer(p, new Transfer(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), flip(t.parents(), random), t.memo(), t.id()));
            case PARENT_ADDED -> withTransfer(p, new Transfer(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), concat(t.parents(), randomBytes(random, 32)), t.memo(), t.id()));
            case PARENT_REMOVED -> withTransfer(p, new Transfer(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(),
                    Arrays.copyOf(t.parents(), t.parents().length - 32), t.memo(), t.id()));
            case MEMO -> withTransfer(p, new Transfer(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), t.parents(),
                    concat(t.memo(), "x".getBytes(StandardCharsets.UTF_8)), t.id()));
            case ID -> withTransfer(p, TestTransfers.withId(t, flip(t.id(), random)));
            case LEAF_INDEX -> new Proof(t, otherIndex(p, random), c, p.auditPath(), p.publicKey()).toJson();
            case PATH_ELEMENT -> new Proof(t, p.leafIndex(), c, flipElement(p.auditPath(), random), p.publicKey()).toJson();
            case PATH_SHORTER -> new Proof(t, p.leafIndex(), c, p.auditPath().length == 0 ? new byte[][] {randomBytes(random, 32)}
                    : Arrays.copyOf(p.auditPath(), p.auditPath().length - 1), p.publicKey()).toJson();
            case PATH_LONGER -> new Proof(t, p.leafIndex(), c, longer(p.auditPath(), random), p.publicKey()).toJson();
            case CP_SEQ, CP_PREV, CP_FIRST, CP_LAST, CP_COUNT, CP_ROOT, CP_TIMESTAMP, CP_HASH, CP_SIGNATURE ->
                    new Proof(t, p.leafIndex(), tamperCheckpoint(c, tamper, random), p.auditPath(), p.publicKey()).toJson();
            case PUBLIC_KEY, PUBLIC_KEY_EXPECTED -> new Proof(t, p.leafIndex(), c, p.auditPath(), flip(p.publicKey(), random)).toJson();
            case FIELD_MISSING -> p.toJson().replaceFirst(",\"leafIndex\":-?[0-9]+", "");
            case FIELD_UNKNOWN -> p.toJson().replaceFirst("\\{\"transaction\":", "{\"extra\":true,\"transaction\":");
            case HEX_UPPERCASE -> p.toJson().replace("\"publicKey\":\"" + HexFormat.of().formatHex(p.publicKey()),
                    "\"publicKey\":\"" + HexFormat.of().formatHex(p.publicKey()).toUpperCase().replace('A', 'B').replace("B", "G"));
            case NOT_JSON -> p.toJson().substring(0, random.nextInt(p.toJson().length()));
        };
    }

    private static String withTransfer(Proof p, Transfer t) {
        return new Proof(t, p.leafIndex(), p.checkpoint(), p.auditPath(), p.publicKey()).toJson();
    }

    private static Checkpoint tamperCheckpoint(Checkpoint c, Tamper tamper, Random random) {
        long delta = 1 + random.nextInt(5);
        return new Checkpoint(
                tamper == Tamper.CP_SEQ ? c.seq() + delta : c.seq(),
                tamper == Tamper.CP_PREV ? flip(c.prev(), random) : c.prev(),
                tamper == Tamper.CP_FIRST ? c.firstPosition() + delta : c.firstPosition(),
                tamper == Tamper.CP_LAST ? c.lastPosition() + delta : c.lastPosition(),
                tamper == Tamper.CP_COUNT ? c.count() + delta : c.count(),
                tamper == Tamper.CP_ROOT ? flip(c.root(), random) : c.root(),
                tamper == Tamper.CP_TIMESTAMP ? c.timestamp() - delta : c.timestamp(),
                tamper == Tamper.CP_HASH ? flip(c.hash(), random) : c.hash(),
                tamper == Tamper.CP_SIGNATURE ? flip(c.signature(), random) : c.signature());
    }

    private static long otherIndex(Proof p, Random random) {
        long count = p.checkpoint().count();
        long index;
        do {
            index = switch (random.nextInt(3)) {
                case 0 -> count + random.nextInt(3);
                case 1 -> -1 - random.nextInt(3);
                default -> random.nextLong(count);
            };
        } while (index == p.leafIndex());
        return index;
    }

    private static byte[][] flipElement(byte[][] path, Random random) {
        if (path.length == 0) {
            return new byte[][] {randomBytes(random, 32)};
        }
        int i = random.nextInt(path.length);
        path[i] = flip(path[i], random);
        return path;
    }

    private static byte[][] longer(byte[][] path, Random random) {
        List<byte[]> list = new ArrayList<>(Arrays.asList(path));
        list.add(random.nextInt(list.size() + 1), randomBytes(random, 32));
        return list.toArray(new byte[0][]);
    }

    private static byte[] flip(byte[] bytes, Random random) {
        byte[] copy = bytes.clone();
        copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
        return copy;
    }

    private static byte[] randomBytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
