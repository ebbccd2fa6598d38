package omni.proof;

import com.code_intelligence.jazzer.junit.FuzzTest;
import omni.ReliabilityLog;
import com.fasterxml.jackson.databind.ObjectMapper;
import omni.kernel.Hex;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer on the offline proof verifier. The committed inputs (ProofVerifierFuzzTestInputs) are real proofs sealed
 * by one node key; the fuzzer mutates them. Whatever the bytes: verify never throws and answers a verdict that
 * encodes as JSON, and it answers valid only for a real proof: the same signed checkpoint, leaf and transfer id
 * as one of the committed proofs (anything else would need a forged signature or a SHA-256 collision).
 */
class ProofVerifierFuzzTest {
    /** Fuzzing time a build spends here: Ed25519 makes each input slow (about 10,000 inputs), start-up under 60 s for both. */
    static final String FUZZ_DURATION = "10s";
    private static final String INPUTS = "ProofVerifierFuzzTestInputs/verify/";
    private static final List<String> REAL_PROOFS = List.of("position-0.json", "position-1.json", "position-4.json",
            "position-9.json", "position-18.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong INPUT_COUNT = new AtomicLong();
    private static final AtomicLong VALID_COUNT = new AtomicLong();
    /** "public key / checkpoint hash / leaf index / transfer id" of every real proof. */
    private static final Set<String> REAL = new HashSet<>();
    private static final byte[] PUBLIC_KEY;

    static {
        byte[] key = null;
        for (String name : REAL_PROOFS) {
            Proof proof = Proof.fromJson(read(name));
            if (!ProofVerifier.verify(proof, null).valid()) {
                throw new IllegalStateException(name + " is not a valid proof");
            }
            REAL.add(identity(proof));
            key = proof.publicKey();
        }
        PUBLIC_KEY = key;
    }

    @FuzzTest(maxDuration = FUZZ_DURATION)
    void verify(byte[] input) throws Exception {
        INPUT_COUNT.incrementAndGet();
        String json = new String(input, StandardCharsets.UTF_8);
        for (byte[] expectedKey : new byte[][] {null, PUBLIC_KEY}) {
            ProofVerifier.Verdict verdict = ProofVerifier.verify(json, expectedKey);
            assertNotNull(verdict.line());
            assertTrue(JSON.readTree(verdict.toJson()).get("valid").isBoolean());
            if (verdict.valid()) {
                VALID_COUNT.incrementAndGet();
                Proof proof = Proof.fromJson(json);
                assertTrue(REAL.contains(identity(proof)), "valid, but not a real proof: " + json);
            }
        }
    }

    private static String identity(Proof proof) {
        return Hex.encode(proof.publicKey()) + "/" + Hex.encode(proof.checkpoint().hash()) + "/" + proof.leafIndex()
                + "/" + Hex.encode(proof.transaction().id());
    }

    private static String read(String name) {
        try (InputStream in = ProofVerifierFuzzTest.class.getResourceAsStream(INPUTS + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(name, e);
        }
    }

    @AfterAll
    static void report() {
        boolean fuzzing = "1".equals(System.getenv("JAZZER_FUZZ"));
        System.out.println("fuzz: ProofVerifier tried " + INPUT_COUNT.get() + " inputs, " + VALID_COUNT.get()
                + " verdicts valid (" + (fuzzing ? "fuzzing for " + FUZZ_DURATION : "corpus replay") + ")");
        if (fuzzing) {
            ReliabilityLog.held("Fuzzing the proof verifier (Jazzer)", INPUT_COUNT.get() + " inputs in "
                    + FUZZ_DURATION + " from " + REAL_PROOFS.size() + " real proofs", "no exception; "
                    + VALID_COUNT.get() + " valid verdicts, every one for a real proof");
        }
    }
}
