package omni.proof;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Random transfers with ids that recompute from their fields. */
public final class TestTransfers {
    private TestTransfers() {
    }

    public static Transfer random(Random random) {
        int parentCount = 1 + random.nextInt(8);
        byte[] parents = new byte[parentCount * 32];
        random.nextBytes(parents);
        String memo = random.nextInt(3) == 0 ? "" : "memo-" + random.nextInt(1_000_000) + (random.nextBoolean() ? " é\"\\\n" : "");
        Transfer unidentified = new Transfer(1 + random.nextInt(1 << 30), 1 + random.nextInt(1 << 30),
                1 + random.nextInt(1_000_000), 1 + random.nextInt(1000), 1_764_130_000_000L + random.nextInt(1 << 30),
                parents, memo.getBytes(StandardCharsets.UTF_8), new byte[32]);
        return withId(unidentified, unidentified.computeId());
    }

    static Transfer withId(Transfer t, byte[] id) {
        return new Transfer(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), t.parents(), t.memo(), id);
    }
}
