package omni.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS files as operators get them, right and wrong: RSA and EC pairs make contexts that complete a real handshake;
 * every kind of wrong file is refused with a message that names the setting and the file and holds no byte of
 * the key.
 */
class PemTest {
    private static TestCertificates pki;
    private static TestCertificates.Server rsa;
    private static TestCertificates.Server ec;
    private static TestCertificates.Server otherRsa;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.create();
        rsa = pki.server("RSA");
        ec = pki.server("EC");
        otherRsa = pki.server("RSA");
    }

    @AfterAll
    static void clean() throws IOException {
        pki.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void aPairMakesAServerThatAClientTrustingTheCaCompletesAHandshakeWith(String algorithm) throws Exception {
        TestCertificates.Server server = algorithm.equals("RSA") ? rsa : ec;
        SSLContext serverContext = Pem.serverContext("tls.cert", server.chain(), "tls.key", server.key());
        SSLContext clientContext = Pem.trustContext("test CA", pki.ca());
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0)) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept(); InputStream in = accepted.getInputStream()) {
                    return new String(in.readNBytes(5), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket client = (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1",
                    listener.getLocalPort())) {
                client.startHandshake();
                assertEquals(algorithm, client.getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm());
                try (OutputStream out = client.getOutputStream()) {
                    out.write("hello".getBytes(StandardCharsets.US_ASCII));
                }
            }
            assertEquals("hello", received.get(10, TimeUnit.SECONDS));
        }
    }

    /** One row per way a file can be wrong: the certificate file, the key file, and what the message says. */
    @Test
    void everyWrongFileIsRefusedNamingTheSettingAndTheFile() throws Exception {
        Path dir = pki.dir();
        Path missing = dir.resolve("missing.pem");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        Path pkcs1 = dir.resolve("rsa-pkcs1.key");
        pki.openssl("pkey", "-in", rsa.key().toString(), "-traditional", "-out", pkcs1.toString());
        Path encrypted = dir.resolve("rsa-encrypted.key");
        pki.openssl("pkcs8", "-topk8", "-in", rsa.key().toString(), "-passout", "pass:secret-pass",
                "-out", encrypted.toString());
        Path truncated = dir.resolve("truncated.pem");
        List<String> certLines = Files.readAllLines(rsa.cert());
        Files.write(truncated, List.of(certLines.get(0), certLines.get(1), certLines.get(2),
                certLines.get(certLines.size() - 1)));
        Path huge = dir.resolve("huge.pem");
        Files.write(huge, new byte[(int) Pem.FILE_SIZE_MAX + 1]);
        Path csr = dir.resolve("expired.csr");
        Path expired = dir.resolve("expired.pem");
        pki.openssl("req", "-new", "-key", rsa.key().toString(), "-subj", "/CN=localhost", "-out", csr.toString());
        pki.openssl("x509", "-req", "-in", csr.toString(), "-signkey", rsa.key().toString(), "-days", "-1",
                "-out", expired.toString());

        Path edKey = dir.resolve("ed25519.key");
        Path edCert = dir.resolve("ed25519.pem");
        pki.openssl("genpkey", "-algorithm", "ED25519", "-out", edKey.toString());
        pki.openssl("req", "-x509", "-new", "-key", edKey.toString(), "-subj", "/CN=localhost", "-days", "2",
                "-out", edCert.toString());

        Map<Path[], String> rows = new java.util.LinkedHashMap<>();
        rows.put(new Path[] {missing, rsa.key()}, "tls.cert " + missing + ": no such file");
        rows.put(new Path[] {dir, rsa.key()}, "tls.cert " + dir + ": not a regular file");
        rows.put(new Path[] {huge, rsa.key()}, "tls.cert " + huge + ": " + (Pem.FILE_SIZE_MAX + 1) + " bytes, more than");
        rows.put(new Path[] {text, rsa.key()}, "tls.cert " + text + ": no -----BEGIN CERTIFICATE----- block (not a PEM file)");
        rows.put(new Path[] {rsa.key(), rsa.key()},
                "tls.cert " + rsa.key() + ": no -----BEGIN CERTIFICATE----- block (it has PRIVATE KEY)");
        rows.put(new Path[] {truncated, rsa.key()}, "tls.cert " + truncated + ": certificate 1 is not a valid X.509");
        rows.put(new Path[] {expired, rsa.key()}, "tls.cert " + expired + ": the certificate expired on ");
        rows.put(new Path[] {rsa.chain(), missing}, "tls.key " + missing + ": no such file");
        rows.put(new Path[] {rsa.chain(), rsa.chain()}, "tls.key " + rsa.chain()
                + ": no -----BEGIN PRIVATE KEY----- block (it has CERTIFICATE, CERTIFICATE)");
        rows.put(new Path[] {rsa.chain(), pkcs1}, "tls.key " + pkcs1 + ": the key is in the older PKCS#1/SEC1 form");
        rows.put(new Path[] {rsa.chain(), encrypted}, "tls.key " + encrypted + ": the key is encrypted");
        rows.put(new Path[] {rsa.chain(), ec.key()}, "tls.key " + ec.key() + ": not a PKCS#8 RSA private key, which the"
                + " RSA certificate in tls.cert " + rsa.chain() + " needs");
        rows.put(new Path[] {rsa.chain(), otherRsa.key()}, "tls.key " + otherRsa.key()
                + ": this key does not match the certificate in tls.cert " + rsa.chain());
        rows.put(new Path[] {ec.chain(), rsa.key()}, "tls.key " + rsa.key() + ": not a PKCS#8 EC private key");
        rows.put(new Path[] {edCert, edKey}, "tls.cert " + edCert + ": the certificate's key is ");

        List<String> keyParts = List.of(keySample(rsa.key()), keySample(ec.key()), keySample(otherRsa.key()),
                keySample(pkcs1), keySample(encrypted), keySample(edKey), "secret-pass");
        for (Map.Entry<Path[], String> row : rows.entrySet()) {
            IOException e = assertThrows(IOException.class,
                    () -> Pem.serverContext("tls.cert", row.getKey()[0], "tls.key", row.getKey()[1]), row.getValue());
            assertThat(e.getMessage(), startsWith(row.getValue()));
            for (String part : keyParts) {
                assertThat(e.getMessage(), not(containsString(part)));
            }
        }
    }

    @Test
    void aTrustFileWithoutCertificatesIsRefused() {
        IOException e = assertThrows(IOException.class, () -> Pem.trustContext("redis.tls.ca", rsa.key()));
        assertThat(e.getMessage(), startsWith("redis.tls.ca " + rsa.key() + ": no -----BEGIN CERTIFICATE----- block"));
        assertThat(e.getMessage(), not(containsString(keySample(rsa.key()))));
    }

    /**
     * 16 base64 characters from the middle of a PEM file's body: key material, not the encoding header that every
     * key of one algorithm shares. No message may hold them.
     */
    private static String keySample(Path pem) {
        try {
            String body = String.join("", Files.readAllLines(pem).stream()
                    .filter(l -> !l.startsWith("-----") && !l.contains(":")).toList());
            return body.substring(body.length() / 2, body.length() / 2 + 16);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
