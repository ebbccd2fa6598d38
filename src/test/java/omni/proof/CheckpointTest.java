package omni.proof;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    private static byte[] filled(int size, int value) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    private static Checkpoint sample() {
        byte[] prev = filled(32, 0);
        byte[] root = filled(32, 0xab);
        byte[] hash = Checkpoint.computeHash(1, prev, 0, 9, 10, root, 1764130000000L);
        return new Checkpoint(1, prev, 0, 9, 10, root, 1764130000000L, hash, filled(64, 7));
    }

    @Test
    void hashIsSha256OfTheSpecInputLaidOutByHand() throws Exception {
        byte[] input = new byte[8 + 8 + 32 + 8 + 8 + 8 + 32 + 8];
        ByteBuffer b = ByteBuffer.wrap(input);
        b.put("OMNI-CP1".getBytes(StandardCharsets.US_ASCII)).putLong(1).put(filled(32, 0)).putLong(0).putLong(9)
                .putLong(10).put(filled(32, 0xab)).putLong(1764130000000L);
        byte[] expected = java.security.MessageDigest.getInstance("SHA-256").digest(input);
        assertArrayEquals(expected, sample().hash());
        assertTrue(sample().hashRecomputes());
    }

    @Test
    void jsonRoundTripsWithSpecFieldNamesAndHex() {
        Checkpoint c = sample();
        String json = c.toJson();
        assertTrue(json.startsWith("{\"seq\":1,\"prev\":\"" + "00".repeat(32) + "\",\"firstPosition\":0,"
                + "\"lastPosition\":9,\"count\":10,\"root\":\"" + "ab".repeat(32) + "\",\"timestamp\":1764130000000,"
                + "\"hash\":\"" + HexFormat.of().formatHex(c.hash()) + "\",\"signature\":\"" + "07".repeat(64) + "\"}"), json);
        assertEquals(c, Checkpoint.fromJson(json));
    }

    @Test
    void tamperedFieldNoLongerRecomputes() {
        Checkpoint c = sample();
        Checkpoint t = new Checkpoint(c.seq(), c.prev(), c.firstPosition(), c.lastPosition(), c.count() + 1,
                c.root(), c.timestamp(), c.hash(), c.signature());
        assertFalse(t.hashRecomputes());
    }

    @Test
    void parserNamesTheBadField() {
        String json = sample().toJson();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.fromJson(json.replace("\"count\":10", "\"count\":10.5")));
        assertTrue(e.getMessage().contains("checkpoint.count"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.fromJson(json.replace("\"root\":\"ab", "\"root\":\"AB")));
        assertTrue(e.getMessage().contains("checkpoint.root"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.fromJson(json.replace("{\"seq\":1,", "{\"seq\":1,\"extra\":1,")));
        assertTrue(e.getMessage().contains("checkpoint.extra"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.fromJson(json.replace("{\"seq\":1,", "{\"seq\":1,\"seq\":2,")));
        assertTrue(e.getMessage().contains("checkpoint"), e.getMessage());
    }
}
