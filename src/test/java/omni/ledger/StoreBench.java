package omni.ledger;

import omni.kernel.TransferBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;

/**
 * Measures the store's hot paths on this machine (not a unit test; run by hand, see the notes):
 * {@code java -cp ... omni.ledger.StoreBench <postgresql|embedded|postgresql-insert> <rows> <items per append>}.
 * Appends {@code rows} transfers in appends of {@code items} (batches of 1,000, like a group commit of
 * 1,000-item requests), then scans them all back. Prints rows/s for both.
 */
public final class StoreBench {
    private static final int BATCH_ITEMS = 1_000;

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        long rows = Long.parseLong(args[1]);
        int itemsPerAppend = Integer.parseInt(args[2]);
        boolean keep = args.length > 3 && args[3].equals("keep");
        String database = kind.startsWith("postgresql") ? TestDatabases.create("bench") : null;
        Path dir = database == null ? Files.createTempDirectory("omni-bench") : null;
        JdbcStore store = database != null
                ? new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "", false)
                : new EmbeddedStore(dir, false);
        try {
            store.open("omni");
            int batchCount = itemsPerAppend / BATCH_ITEMS;
            LedgerGenerator g = new LedgerGenerator(42, "omni", 1_000);
            TransferBatch[] batches = new TransferBatch[batchCount];
            for (int b = 0; b < batchCount; b++) {
                batches[b] = g.batch(BATCH_ITEMS, 0);
            }
            long appended = 0;
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            while (appended < rows) {
                long first = appended + 1;
                for (int b = 0; b < batchCount; b++) {
                    for (int i = 0; i < BATCH_ITEMS; i++) {
                        batches[b].position[i] = first + (long) b * BATCH_ITEMS + i;
                    }
                }
                if (kind.equals("postgresql-insert")) {
                    insertWithArrays(store, batches, batchCount);
                } else {
                    store.append(batches, batchCount);
                }
                appended += (long) batchCount * BATCH_ITEMS;
            }
            double appendS = (System.nanoTime() - start) / 1e9;
            double appendCpuS = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            System.out.printf("%s append: %,d rows in %.2f s = %,.0f rows/s (%,d items per append;"
                    + " appending thread's CPU %.2f s = %,.0f rows per CPU second)%n",
                    kind, appended, appendS, appended / appendS, itemsPerAppend, appendCpuS, appended / appendCpuS);
            long[] scanned = {0};
            cpuStart = threads.getCurrentThreadCpuTime();
            start = System.nanoTime();
            store.scan(0, appended, new TransferBatch(), chunk -> scanned[0] += chunk.count);
            double scanS = (System.nanoTime() - start) / 1e9;
            double scanCpuS = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            System.out.printf("%s scan: %,d rows in %.2f s = %,.0f rows/s (scanning thread's CPU %.2f s)%n",
                    kind, scanned[0], scanS, scanned[0] / scanS, scanCpuS);
        } finally {
            store.close();
            if (database != null && !keep) {
                TestDatabases.drop(database);
            } else if (database != null) {
                System.out.println("kept database " + database);
            }
        }
    }

    /** The alternative to COPY: one INSERT ... SELECT FROM unnest(arrays) per append. */
    private static void insertWithArrays(JdbcStore store, TransferBatch[] batches, int batchCount) throws Exception {
        int n = batchCount * BATCH_ITEMS;
        Long[][] numbers = new Long[6][n];
        byte[][][] bytes = new byte[3][n][];
        int k = 0;
        for (int b = 0; b < batchCount; b++) {
            TransferBatch t = batches[b];
            for (int i = 0; i < BATCH_ITEMS; i++, k++) {
                numbers[0][k] = t.position[i];
                numbers[1][k] = t.sender[i];
                numbers[2][k] = t.receiver[i];
                numbers[3][k] = t.amount[i];
                numbers[4][k] = t.seq[i];
                numbers[5][k] = t.timestamp[i];
                bytes[0][k] = java.util.Arrays.copyOfRange(t.id, i * 32, i * 32 + 32);
                bytes[1][k] = java.util.Arrays.copyOfRange(t.parents, t.parentOffset[i], t.parentOffset[i] + t.parentCount[i] * 32);
                bytes[2][k] = java.util.Arrays.copyOfRange(t.memos, t.memoOffset[i], t.memoOffset[i] + t.memoSize[i]);
            }
        }
        try (Connection c = store.connection("bench")) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO transfers (" + JdbcStore.TRANSFER_COLUMNS
                    + ") SELECT * FROM unnest(?::bigint[], ?::bytea[], ?::bigint[], ?::bigint[], ?::bigint[],"
                    + " ?::bigint[], ?::bigint[], ?::bytea[], ?::bytea[])")) {
                Array[] a = {c.createArrayOf("bigint", numbers[0]), c.createArrayOf("bytea", bytes[0]),
                        c.createArrayOf("bigint", numbers[1]), c.createArrayOf("bigint", numbers[2]),
                        c.createArrayOf("bigint", numbers[3]), c.createArrayOf("bigint", numbers[4]),
                        c.createArrayOf("bigint", numbers[5]), c.createArrayOf("bytea", bytes[1]),
                        c.createArrayOf("bytea", bytes[2])};
                for (int j = 0; j < a.length; j++) {
                    p.setArray(j + 1, a[j]);
                }
                p.executeUpdate();
            }
            c.commit();
        }
    }
}
