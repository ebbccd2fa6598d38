package omni.ledger;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import omni.kernel.AccountState;
import omni.kernel.Kernel;
import omni.kernel.TransferBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel replayed from storage drops partitions and loads them back from storage's fold
 * ({@link Store#scanBalances}): the dropped accounts are gone, the others untouched, and after loading every
 * account is exactly what the replay gave. A load while storage is ahead of the kernel is refused.
 */
class PartitionLoadTest {
    private static final String LEDGER = "omni";
    private static final int ACCOUNT_COUNT = 1_000;

    @TempDir
    Path dataDirectory;

    @Test
    void partitionsDroppedAndLoadedFromTheFoldAreRestoredExactly() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), LEDGER, ACCOUNT_COUNT);
        try (EmbeddedStore store = new EmbeddedStore(dataDirectory, false)) {
            store.open(LEDGER);
            StoreContractTest.appendAll(store, g, 3, 4_000, 5);
            Kernel kernel = KernelRebuild.rebuild(store, LEDGER,
                    account -> (int) Long.remainderUnsigned(account, Kernel.PARTITION_COUNT), new TransferBatch());
            Map<Long, List<Long>> replayed = accounts(kernel);
            assertTrue(replayed.size() > Kernel.PARTITION_COUNT, "accounts: " + replayed.size());
            int[] partitions = {kernel.partitionOf(Kernel.ISSUER), kernel.partitionOf(1), kernel.partitionOf(2)};
            for (int partition : partitions) {
                kernel.dropPartition(partition);
            }
            Map<Long, List<Long>> held = accounts(kernel);
            AccountState state = new AccountState();
            for (Map.Entry<Long, List<Long>> e : replayed.entrySet()) {
                boolean dropped = isIn(kernel.partitionOf(e.getKey()), partitions);
                assertEquals(dropped ? null : e.getValue(), held.get(e.getKey()), "account " + e.getKey());
                assertEquals(!dropped, kernel.account(e.getKey(), state), "account " + e.getKey());
            }
            for (int partition : partitions) {
                assertFalse(kernel.holdsPartition(partition));
                KernelRebuild.loadPartition(store, kernel, partition);
                assertTrue(kernel.holdsPartition(partition));
            }
            assertEquals(replayed, accounts(kernel));
            assertEquals(0, kernel.balanceSum());

            kernel.dropPartition(partitions[1]);
            StoreContractTest.appendAll(store, g, 1, 10, 0);
            assertThrows(IllegalStateException.class, () -> KernelRebuild.loadPartition(store, kernel, partitions[1]));
            assertFalse(kernel.holdsPartition(partitions[1]));
        }
    }

    private static boolean isIn(int partition, int[] partitions) {
        for (int p : partitions) {
            if (p == partition) {
                return true;
            }
        }
        return false;
    }

    /** Every account the kernel holds: balance, seq, transfer count. */
    private static Map<Long, List<Long>> accounts(Kernel kernel) {
        Map<Long, List<Long>> out = new HashMap<>();
        kernel.forEachAccount((account, balance, seq, transferCount) ->
                out.put(account, List.of(balance, seq, transferCount)));
        return out;
    }
}
