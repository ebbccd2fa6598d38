package omni.proof;


import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The node's Ed25519 key pair (RFC 8032), signed with and verified by the JDK's own EdDSA provider
 * (SunEC); no native code or extra library.
 * <p>
 * File format of {@code <data dir>/node.key}: exactly 64 raw bytes, the 32-byte private seed followed by
 * the 32-byte public key (the layout of Go's crypto/ed25519 and libsodium secret keys), mode 0600. It is
 * generated at first start, written to a temporary file with mode 0600 and moved into place atomically,
 * so a crash never leaves half a key. The public key is published as hex of its raw 32 bytes.
 */
public final class NodeKey {
    public static final String FILE_NAME = "node.key";
    public static final int PUBLIC_KEY_SIZE = 32;
    private static final int SEED_SIZE = 32;
    /** DER prefixes of RFC 8410: PKCS#8 around a 32-byte seed and X.509 SubjectPublicKeyInfo around a raw key. */
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final PrivateKey privateKey;
    private final byte[] publicKey;

    private NodeKey(PrivateKey privateKey, byte[] publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** Loads {@code <dataDir>/node.key}, generating it first if it does not exist. */
    public static NodeKey loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            Files.createDirectories(dataDir);
            writeNew(file);
        }
        return load(file);
    }

    /** Loads a key file and checks that its public half belongs to its private half. */
    public static NodeKey load(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        if (raw.length != SEED_SIZE + PUBLIC_KEY_SIZE) {
            throw new IOException(file + " is " + raw.length + " bytes; a node key is 64 (seed || public key)");
        }
        try {
            PrivateKey privateKey = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, Arrays.copyOf(raw, SEED_SIZE))));
            NodeKey key = new NodeKey(privateKey, Arrays.copyOfRange(raw, SEED_SIZE, raw.length));
            byte[] probe = "OMNI node key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (!verify(key.publicKey, probe, key.sign(probe))) {
                throw new IOException(file + ": the public key does not match the private seed");
            }
            return key;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " does not hold an Ed25519 key: " + e.getMessage(), e);
        }
    }

    /** Reads only the public key of a key file (what `omni audit` needs to check signatures). */
    public static byte[] readPublicKey(Path file) throws IOException {
        return load(file).publicKey();
    }

    private static void writeNew(Path file) throws IOException {
        byte[] raw = generateRaw();
        Path temp = file.resolveSibling(FILE_NAME + ".tmp");
        Files.deleteIfExists(temp);
        try {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            throw new IOException("cannot create " + temp + " with mode 0600: not a POSIX file system", e);
        }
        Files.write(temp, raw);
        Arrays.fill(raw, (byte) 0);
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            Files.deleteIfExists(temp);
            throw new IOException("cannot move " + temp + " to " + file + " atomically: " + e, e);
        }
    }

    private static byte[] generateRaw() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            byte[] x509 = pair.getPublic().getEncoded();
            requirePrefix(pkcs8, PKCS8_PREFIX, SEED_SIZE, "PKCS#8 private key");
            requirePrefix(x509, X509_PREFIX, PUBLIC_KEY_SIZE, "X.509 public key");
            return concat(Arrays.copyOfRange(pkcs8, PKCS8_PREFIX.length, pkcs8.length),
                    Arrays.copyOfRange(x509, X509_PREFIX.length, x509.length));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate Ed25519 keys", e);
        }
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    public String publicKeyHex() {
        return HexFormat.of().formatHex(publicKey);
    }

    /** Ed25519 signature (64 bytes) over {@code message}. */
    public byte[] sign(byte[] message) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(privateKey);
            signer.update(message);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /**
     * True when {@code signature} is a valid Ed25519 signature of {@code message} under the raw 32-byte
     * {@code publicKey}; false also when the key is not a valid curve point or the signature is malformed.
     */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey.length != PUBLIC_KEY_SIZE) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(publicKeyOf(publicKey));
            verifier.update(message);
            return verifier.verify(signature);
        } catch (InvalidKeyException | InvalidKeySpecException | SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519", e);
        }
    }

    private static PublicKey publicKeyOf(byte[] raw) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, raw)));
    }

    private static void requirePrefix(byte[] der, byte[] prefix, int rest, String what) {
        if (der.length != prefix.length + rest || !Arrays.equals(der, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new IllegalStateException("unexpected " + what + " encoding from the JDK: " + HexFormat.of().formatHex(der));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
