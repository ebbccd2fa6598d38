package omni.kernel;

import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TransferIdsTest {
    @Test
    void genesisOfLedgerOmniMatchesSpecVector() {
        assertEquals("12cf0d0d96dd71749727be404f802a1941360eb8b5142aaa57becae9001e0e28",
                HexFormat.of().formatHex(TransferIds.genesisId("omni")));
    }

    @Test
    void transferMatchesSpecVectorWhateverTheParentOrder() {
        byte[] parents = new byte[64];
        Arrays.fill(parents, 0, 32, (byte) 0xff);
        Arrays.fill(parents, 32, 64, (byte) 0x01);
        byte[] reversed = new byte[64];
        System.arraycopy(parents, 32, reversed, 0, 32);
        System.arraycopy(parents, 0, reversed, 32, 32);
        for (byte[] given : new byte[][] {parents, reversed}) {
            byte[] id = new byte[32];
            new TransferIds().computeId(42, 7, 1500, 3, 1764130000000L, given, 0, 2, new byte[0], 0, 0, id, 0);
            assertEquals("bfea8d8b98d308cd7d3b3fa4b7706cd79e37f93cbddfc0dba05286640a62e181", HexFormat.of().formatHex(id));
        }
    }
}
