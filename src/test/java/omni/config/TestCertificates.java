package omni.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A certificate authority of a test's own, made with the {@code openssl} command in a temporary directory: a CA
 * certificate and server certificates it signs for {@code localhost} and {@code 127.0.0.1}, with unencrypted
 * PKCS#8 keys, as an operator would get them. Nothing is committed; {@link #close()} deletes the directory.
 */
public final class TestCertificates implements AutoCloseable {
    /** Key generation and signing take well under a second each; generous for a busy shared machine. */
    private static final long COMMAND_WAIT_S = 60;

    /** A server's files: its certificate, the certificate then the CA (a chain file), and its key. */
    public record Server(Path cert, Path chain, Path key) {
    }

    private final Path dir;
    private int serverCount;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** A new CA (RSA 2048) in a new temporary directory. */
    public static TestCertificates create() throws IOException, InterruptedException {
        TestCertificates pki = new TestCertificates(Files.createTempDirectory("omni-tls-"));
        pki.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pki.caKey().toString(),
                "-out", pki.ca().toString(), "-days", "2", "-subj", "/CN=OMNI test CA");
        return pki;
    }

    /** The CA's certificate: what a client trusts. */
    public Path ca() {
        return dir.resolve("ca.pem");
    }

    private Path caKey() {
        return dir.resolve("ca.key");
    }

    public Path dir() {
        return dir;
    }

    /** A server certificate for localhost and 127.0.0.1 signed by the CA; {@code algorithm} is "RSA" or "EC". */
    public Server server(String algorithm) throws IOException, InterruptedException {
        String name = "server-" + (++serverCount);
        Path key = dir.resolve(name + ".key");
        Path cert = dir.resolve(name + ".pem");
        if (algorithm.equals("EC")) {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        } else {
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        }
        openssl("req", "-x509", "-new", "-key", key.toString(), "-CA", ca().toString(), "-CAkey", caKey().toString(),
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2",
                "-out", cert.toString());
        Path chain = dir.resolve(name + "-chain.pem");
        Files.writeString(chain, Files.readString(cert) + Files.readString(ca()));
        return new Server(cert, chain, key);
    }

    /** Runs {@code openssl} with these arguments in the directory; throws with its output when it fails. */
    public void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(COMMAND_WAIT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no exit within " + COMMAND_WAIT_S + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
