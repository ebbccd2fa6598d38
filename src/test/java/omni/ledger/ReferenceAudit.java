package omni.ledger;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/**
 * Re-verifies a stored ledger from scratch for tests: every id recomputes and is unique, every parent sits at
 * an earlier position with a timestamp not after the child's, seqs are contiguous per sender, no account but
 * the issuer is negative, and the balances sum to 0.
 */
final class ReferenceAudit implements ScanConsumer {
    private final TransferIds ids = new TransferIds();
    private final byte[] id = new byte[TransferBatch.ID_SIZE];
    /** Id (hex) to position, genesis included. */
    final Map<String, Long> positions = new HashMap<>();
    private final Map<String, Long> timestamps = new HashMap<>();
    final Map<Long, Long> balances = new HashMap<>();
    private final Map<Long, Long> seqs = new HashMap<>();
    private long next = 1;

    /** Audits positions 1..lastPosition of {@code store}; throws AssertionError naming the first problem. */
    static ReferenceAudit of(Store store, String ledgerName) throws StoreException {
        ReferenceAudit audit = new ReferenceAudit();
        String genesis = HexFormat.of().formatHex(TransferIds.genesisId(ledgerName));
        audit.positions.put(genesis, 0L);
        audit.timestamps.put(genesis, 0L);
        long last = store.lastPosition();
        if (last > 0) {
            store.scan(1, last, new TransferBatch(), audit);
        }
        check(audit.next == last + 1, "scan ended at " + (audit.next - 1) + " of " + last);
        long sum = 0;
        for (Map.Entry<Long, Long> e : audit.balances.entrySet()) {
            check(e.getKey() == 0 || e.getValue() >= 0, "account " + e.getKey() + " is negative: " + e.getValue());
            sum += e.getValue();
        }
        check(sum == 0, "balances sum to " + sum);
        return audit;
    }

    @Override
    public void accept(TransferBatch b) {
        for (int i = 0; i < b.count; i++) {
            check(b.position[i] == next, "position " + b.position[i] + " where " + next + " was next");
            ids.computeId(b.sender[i], b.receiver[i], b.amount[i], b.seq[i], b.timestamp[i], b.parents,
                    b.parentOffset[i], b.parentCount[i], b.memos, b.memoOffset[i], b.memoSize[i], id, 0);
            check(Arrays.equals(id, 0, 32, b.id, i * 32, i * 32 + 32), "id does not recompute at " + next);
            String hex = HexFormat.of().formatHex(id);
            for (int k = 0; k < b.parentCount[i]; k++) {
                String parent = HexFormat.of().formatHex(b.parents, b.parentOffset[i] + k * 32, b.parentOffset[i] + k * 32 + 32);
                check(positions.containsKey(parent), "parent " + parent + " of position " + next + " is not earlier");
                check(timestamps.get(parent) <= b.timestamp[i], "timestamp before a parent at " + next);
            }
            check(positions.put(hex, next) == null, "id " + hex + " stored twice, again at " + next);
            timestamps.put(hex, b.timestamp[i]);
            long expectedSeq = seqs.getOrDefault(b.sender[i], 0L) + 1;
            check(b.seq[i] == expectedSeq, "sender " + b.sender[i] + " seq " + b.seq[i] + " at " + next
                    + ", expected " + expectedSeq);
            seqs.put(b.sender[i], expectedSeq);
            balances.merge(b.sender[i], -b.amount[i], Long::sum);
            balances.merge(b.receiver[i], b.amount[i], Long::sum);
            next++;
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("ledger audit: " + what);
        }
    }
}
