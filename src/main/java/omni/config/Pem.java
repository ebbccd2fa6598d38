package omni.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS material from PEM files, as operators get it from a certificate authority or {@code openssl}: the gateway's
 * certificate chain and private key ({@link #serverContext}) and the certificates a client trusts
 * ({@link #trustContext}). Everything is read and checked when the node starts, so that a missing file, a key
 * that is not the certificate's or an expired certificate stops the start with a message naming the setting and
 * the file. Messages never contain a key's bytes: a key file is only ever described by its path and its PEM
 * block names.
 */
public final class Pem {
    /**
     * A certificate chain of ten 4096-bit RSA certificates is under 20 KiB; a file larger than this is not a PEM
     * file of TLS material, and reading it whole would only spend memory.
     */
    static final long FILE_SIZE_MAX = 1024 * 1024;
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PKCS8 = "PRIVATE KEY";
    private static final String CONVERT = "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8";

    private Pem() {
    }

    /**
     * An SSL context that presents the certificate chain in {@code certFile} (the server's certificate first) with
     * the unencrypted PKCS#8 RSA or EC key in {@code keyFile}; {@code certKey} and {@code keyKey} are the settings
     * that named the files, for the messages.
     */
    public static SSLContext serverContext(String certKey, Path certFile, String keyKey, Path keyFile) throws IOException {
        List<X509Certificate> chain = certificates(certKey, certFile);
        checkValidity(certKey, certFile, chain.get(0));
        PrivateKey key = privateKey(keyKey, keyFile, chain.get(0).getPublicKey(), certKey + " " + certFile);
        try {
            // The key store lives only in memory; its password protects nothing and is never written anywhere.
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("omni", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(certKey + " " + certFile + " and " + keyKey + " " + keyFile
                    + ": cannot make a TLS context of them (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** An SSL context for a client that trusts exactly the certificates in {@code caFile} (named by setting {@code caKey}). */
    public static SSLContext trustContext(String caKey, Path caFile) throws IOException {
        List<X509Certificate> trusted = certificates(caKey, caFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                store.setCertificateEntry("ca-" + i, trusted.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(caKey + " " + caFile + ": cannot trust its certificates ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /** Every CERTIFICATE block of the file, in order; at least one. */
    static List<X509Certificate> certificates(String settingKey, Path file) throws IOException {
        String where = settingKey + " " + file;
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this JVM has no X.509 certificate factory", e);
        }
        List<String> names = new ArrayList<>();
        Matcher block = BLOCK.matcher(read(where, file));
        while (block.find()) {
            names.add(block.group(1));
            if (!block.group(1).equals(CERTIFICATE)) {
                continue;
            }
            byte[] der = decode(where, block.group(2), CERTIFICATE);
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException e) {
                throw new IOException(where + ": certificate " + (certificates.size() + 1)
                        + " is not a valid X.509 certificate (" + e.getMessage() + ")");
            }
        }
        if (certificates.isEmpty()) {
            throw new IOException(where + ": no -----BEGIN CERTIFICATE----- block"
                    + (names.isEmpty() ? " (not a PEM file)" : " (it has " + String.join(", ", names) + ")"));
        }
        return List.copyOf(certificates);
    }

    /**
     * The one PKCS#8 private key in {@code file}, checked to be the private half of {@code expected} (the
     * certificate's public key) by signing a probe with it and verifying the signature with the certificate.
     */
    static PrivateKey privateKey(String settingKey, Path file, PublicKey expected, String certWhere) throws IOException {
        String where = settingKey + " " + file;
        Matcher block = BLOCK.matcher(read(where, file));
        List<String> names = new ArrayList<>();
        String body = null;
        while (block.find()) {
            names.add(block.group(1));
            if (block.group(1).equals(PKCS8)) {
                if (body != null) {
                    throw new IOException(where + ": more than one -----BEGIN PRIVATE KEY----- block");
                }
                body = block.group(2);
            }
        }
        if (body == null) {
            throw new IOException(where + ": " + noKeyReason(names));
        }
        String algorithm = expected.getAlgorithm();
        String signature = switch (algorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> throw new IOException(certWhere + ": the certificate's key is " + algorithm
                    + "; the gateway serves RSA or EC certificates");
        };
        byte[] der = decode(where, body, PKCS8);
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException(where + ": not a PKCS#8 " + algorithm + " private key, which the " + algorithm
                    + " certificate in " + certWhere + " needs");
        } finally {
            Arrays.fill(der, (byte) 0);
        }
        if (!matches(key, expected, signature)) {
            throw new IOException(where + ": this key does not match the certificate in " + certWhere
                    + " (the certificate holds another key's public half)");
        }
        return key;
    }

    private static String noKeyReason(List<String> names) {
        if (names.contains("ENCRYPTED PRIVATE KEY")) {
            return "the key is encrypted; OMNI reads an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----), so "
                    + "decrypt it into a file only OMNI's user can read: openssl pkcs8 -in KEY -out KEY.pk8";
        }
        if (names.contains("RSA PRIVATE KEY") || names.contains("EC PRIVATE KEY")) {
            return "the key is in the older PKCS#1/SEC1 form; OMNI reads PKCS#8 (-----BEGIN PRIVATE KEY-----), "
                    + CONVERT;
        }
        return "no -----BEGIN PRIVATE KEY----- block" + (names.isEmpty() ? " (not a PEM file)"
                : " (it has " + String.join(", ", names) + ")");
    }

    private static boolean matches(PrivateKey key, PublicKey expected, String algorithm) {
        byte[] probe = "omni tls key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(expected);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void checkValidity(String settingKey, Path file, X509Certificate certificate) throws IOException {
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new IOException(settingKey + " " + file + ": the certificate expired on "
                    + certificate.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new IOException(settingKey + " " + file + ": the certificate is valid only from "
                    + certificate.getNotBefore().toInstant());
        }
    }

    private static String read(String where, Path file) throws IOException {
        try {
            if (!Files.isRegularFile(file)) {
                throw new IOException(where + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
            }
            long size = Files.size(file);
            if (size > FILE_SIZE_MAX) {
                throw new IOException(where + ": " + size + " bytes, more than a PEM file of TLS material ("
                        + FILE_SIZE_MAX + " bytes at most)");
            }
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IOException(where + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IOException(where + ": not readable by this user (permission denied)");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(where + ": not a PEM file (it is not ASCII text)");
        }
    }

    private static byte[] decode(String where, String base64, String blockName) throws IOException {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": the " + blockName + " block is not valid base64");
        }
    }
}
