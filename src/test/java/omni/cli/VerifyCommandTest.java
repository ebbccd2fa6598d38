package omni.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;

import omni.proof.Checkpointer;
import omni.proof.LevelCache;
import omni.proof.MemoryCheckpointStore;
import omni.proof.NodeKey;
import omni.proof.Proof;
import omni.proof.Prover;
import omni.proof.TestTransfers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerifyCommandTest {
    private record Run(int exit, String out) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void validInvalidWrongKeyAndUnreadable(@TempDir Path dir) throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        NodeKey key = NodeKey.loadOrCreate(dir.resolve("data"));
        LevelCache cache = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        Checkpointer checkpointer = new Checkpointer(store, key, cache, 1000, c -> { });
        Random random = new Random(41);
        for (int i = 0; i < 6; i++) {
            store.append(TestTransfers.random(random));
        }
        checkpointer.sealOnce();
        Proof proof = new Prover(store, cache, key.publicKey()).prove(store.transferAt(3), 3);
        Path file = dir.resolve("proof.json");
        Files.writeString(file, proof.toJson());

        assertEquals(new Run(0, "valid\n"), run("verify", file.toString()));
        assertEquals(new Run(0, "valid\n"), run("verify", file.toString(), "--public-key", key.publicKeyHex()));
        Run otherKey = run("verify", file.toString(), "--public-key", "00".repeat(32));
        assertEquals(1, otherKey.exit());
        assertTrue(otherKey.out().startsWith("public_key_mismatch: "), otherKey.out());

        Files.writeString(file, proof.toJson().replace("\"amount\":" + proof.transaction().amount(),
                "\"amount\":" + (proof.transaction().amount() + 1)));
        Run tampered = run("verify", file.toString());
        assertEquals(1, tampered.exit());
        assertTrue(tampered.out().startsWith("id_mismatch: id " + HexFormat.of().formatHex(proof.transaction().id())), tampered.out());

        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(proof.toJson().getBytes(StandardCharsets.UTF_8)));
            assertEquals(new Run(0, "valid\n"), run("verify", "-"));
        } finally {
            System.setIn(stdin);
        }

        Run missing = run("verify", dir.resolve("nope.json").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.out().startsWith("malformed: cannot read"), missing.out());
        Run badKey = run("verify", file.toString(), "--public-key", "xyz");
        assertEquals(1, badKey.exit());
    }
}
