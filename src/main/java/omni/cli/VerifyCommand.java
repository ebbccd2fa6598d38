package omni.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import omni.kernel.Hex;
import omni.proof.NodeKey;
import omni.proof.Proof;
import omni.proof.ProofVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code omni verify proof.json [--public-key HEX]}: checks a proof of inclusion offline (docs/proofs.md). */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks a proof of inclusion offline, without contacting any node.",
                "Prints 'valid' and exits 0, or prints the reason and exits 1."})
public final class VerifyCommand implements Callable<Integer> {
    static final int EXIT_VALID = 0;
    static final int EXIT_INVALID = 1;

    @Parameters(index = "0", paramLabel = "PROOF_FILE",
            description = "The proof JSON (as GET /api/v1/proofs/{id} returns it); '-' reads standard input.")
    private String file;

    @Option(names = "--public-key", paramLabel = "HEX",
            description = "The node's public key (64 hex digits, from GET /api/v1/node). Without it the proof is only "
                    + "checked to be consistent under the key it names itself.")
    private String publicKey;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        byte[] expectedKey = null;
        if (publicKey != null) {
            expectedKey = new byte[NodeKey.PUBLIC_KEY_SIZE];
            if (!Hex.decode(publicKey, expectedKey, 0, expectedKey.length)) {
                out.println("malformed: --public-key must be 64 lowercase hex digits");
                out.flush();
                return EXIT_INVALID;
            }
        }
        String json;
        try {
            json = read();
        } catch (IOException e) {
            out.println("malformed: cannot read " + file + ": " + e.getMessage());
            out.flush();
            return EXIT_INVALID;
        }
        ProofVerifier.Verdict verdict = ProofVerifier.verify(json, expectedKey);
        out.println(verdict.line());
        out.flush();
        return verdict.valid() ? EXIT_VALID : EXIT_INVALID;
    }

    private String read() throws IOException {
        try (InputStream in = "-".equals(file) ? System.in : Files.newInputStream(Path.of(file))) {
            byte[] bytes = in.readNBytes(Proof.JSON_SIZE_MAX + 1);
            if (bytes.length > Proof.JSON_SIZE_MAX) {
                throw new IOException("more than " + Proof.JSON_SIZE_MAX + " bytes; a proof is smaller");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
