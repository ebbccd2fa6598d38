package omni.proof;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeKeyTest {
    @Test
    void generatedOnceWithMode0600AndReloaded(@TempDir Path dir) throws IOException {
        NodeKey first = NodeKey.loadOrCreate(dir.resolve("data"));
        Path file = dir.resolve("data").resolve(NodeKey.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(64, Files.size(file));
        NodeKey again = NodeKey.loadOrCreate(dir.resolve("data"));
        assertArrayEquals(first.publicKey(), again.publicKey());
        byte[] message = "checkpoint hash".getBytes();
        byte[] signature = again.sign(message);
        assertTrue(NodeKey.verify(first.publicKey(), message, signature));
        message[0] ^= 1;
        assertFalse(NodeKey.verify(first.publicKey(), message, signature));
        assertEquals(64, first.publicKeyHex().length());
    }

    @Test
    void rfc8032TestVector1(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(NodeKey.FILE_NAME);
        Files.write(file, HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
                + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
        NodeKey key = NodeKey.load(file);
        assertEquals("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
                HexFormat.of().formatHex(key.sign(new byte[0])));
    }

    @Test
    void mismatchedHalvesAndWrongSizeAreRefused(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(NodeKey.FILE_NAME);
        Files.write(file, HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
                + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511b"));
        IOException e = assertThrows(IOException.class, () -> NodeKey.load(file));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        Files.write(file, new byte[10]);
        e = assertThrows(IOException.class, () -> NodeKey.load(file));
        assertTrue(e.getMessage().contains("10 bytes"), e.getMessage());
    }

    @Test
    void verifyIsFalseForGarbageKeysAndSignatures() {
        assertFalse(NodeKey.verify(new byte[31], new byte[1], new byte[64]));
        byte[] notAPoint = new byte[32];
        java.util.Arrays.fill(notAPoint, (byte) 0xff);
        assertFalse(NodeKey.verify(notAPoint, new byte[1], new byte[64]));
        assertFalse(NodeKey.verify(new byte[32], new byte[1], new byte[3]));
    }
}
