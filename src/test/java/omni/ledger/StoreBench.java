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

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        long rows = Long.parseLong(args[1]);
        int itemsPerAppend = Integer.parseInt(args[2]);
        boolean keep = java.util.Arrays.asList(args).contains("keep");
        // "valid": a fresh valid ledger for every append (slower to generate), and the scan replays it into a
        // kernel (omni.kernel.Kernel.restore), which is what recovery at start does.
        boolean valid = java.util.Arrays.asList(args).contains("valid");
        String database = kind.startsWith("postgresql") ? TestDatabases.create("bench") : null;
        Path dir = database == null ? Files.createTempDirectory("omni-bench") : null;
        JdbcStore store = database != null
                ? new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "", false)
                : new EmbeddedStore(dir, false);
        try {
            store.open("omni");
            long appended = append(store, kind, rows, itemsPerAppend, valid);
            scan(store, kind, appended, rows, valid);
            readIds(store, kind, appended);
            project(store, kind);
            if (valid) {
                audit(store, kind);
            }
        } finally {
            store.close();
            cleanUp(database, dir, keep);
        }
    }

    private static long append(JdbcStore store, String kind, long rows, int itemsPerAppend, boolean valid)
            throws Exception {
        int batchCount = itemsPerAppend / BATCH_ITEMS;
        LedgerGenerator g = new LedgerGenerator(42, "omni", 1_000);
        TransferBatch[] batches = new TransferBatch[batchCount];
        for (int b = 0; b < batchCount && !valid; b++) {
            batches[b] = g.batch(BATCH_ITEMS, 0);
        }
        long appended = 0;
        long generateNs = 0;
        long generateCpuNs = 0;
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        while (appended < rows) {
            if (valid) {
                long g0 = System.nanoTime();
                long c0 = THREADS.getCurrentThreadCpuTime();
                for (int b = 0; b < batchCount; b++) {
                    batches[b] = g.batch(BATCH_ITEMS, 0);
                }
                generateNs += System.nanoTime() - g0;
                generateCpuNs += THREADS.getCurrentThreadCpuTime() - c0;
            } else {
                reposition(batches, batchCount, appended + 1);
            }
            if (kind.equals("postgresql-insert")) {
                insertWithArrays(store, batches, batchCount);
            } else {
                store.append(batches, batchCount);
            }
            appended += (long) batchCount * BATCH_ITEMS;
        }
        double appendS = (System.nanoTime() - start - generateNs) / 1e9;
        double appendCpuS = (THREADS.getCurrentThreadCpuTime() - cpuStart - generateCpuNs) / 1e9;
        System.out.printf("%s append: %,d rows in %.2f s = %,.0f rows/s (%,d items per append;"
                        + " appending thread's CPU %.2f s = %,.0f rows per CPU second)%n",
                kind, appended, appendS, appended / appendS, itemsPerAppend, appendCpuS, appended / appendCpuS);
        return appended;
    }

    /** The same rows again at the next positions: ids repeat, which the store does not check. */
    private static void reposition(TransferBatch[] batches, int batchCount, long first) {
        for (int b = 0; b < batchCount; b++) {
            for (int i = 0; i < BATCH_ITEMS; i++) {
                batches[b].position[i] = first + (long) b * BATCH_ITEMS + i;
            }
        }
    }

    private static void scan(JdbcStore store, String kind, long appended, long rows, boolean valid) throws Exception {
        long[] scanned = {0};
        omni.kernel.Kernel kernel = new omni.kernel.Kernel("omni",
                account -> (int) Long.remainderUnsigned(account, omni.kernel.Kernel.PARTITION_COUNT), (int) rows + 1);
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        store.scan(valid ? 1 : 0, appended, new TransferBatch(), chunk -> {
            scanned[0] += chunk.count;
            if (valid) {
                kernel.restore(chunk);
            }
        });
        double scanS = (System.nanoTime() - start) / 1e9;
        double scanCpuS = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        System.out.printf("%s scan%s: %,d rows in %.2f s = %,.0f rows/s (scanning thread's CPU %.2f s)%n",
                kind, valid ? " + Kernel.restore" : "", scanned[0], scanS, scanned[0] / scanS, scanCpuS);
    }

    /** What the checkpointer reads per interval: the ids of the last 200,000 positions (one second at 200k/s), five times. */
    private static void readIds(JdbcStore store, String kind, long appended) throws Exception {
        int count = (int) Math.min(200_000, appended);
        byte[] ids = new byte[count * TransferBatch.ID_SIZE];
        for (int k = 0; k < 5; k++) {
            long start = System.nanoTime();
            store.readIds(appended - count + 1, appended, ids, 0);
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s readIds: %,d ids in %.3f s = %,.0f ids/s%n", kind, count, s, count / s);
        }
    }

    private static void project(JdbcStore store, String kind) throws Exception {
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long projected = 0;
        for (int n; (n = store.projectStep()) > 0; ) {
            projected += n;
        }
        double projectS = (System.nanoTime() - start) / 1e9;
        double projectCpuS = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        System.out.printf("%s projector: %,d transfers in %.2f s = %,.0f transfers/s (projecting thread's CPU %.2f s)%n",
                kind, projected, projectS, projected / projectS, projectCpuS);
    }

    private static void audit(JdbcStore store, String kind) throws Exception {
        long start = System.nanoTime();
        int threads = Runtime.getRuntime().availableProcessors();
        LedgerAudit.Report report = new LedgerAudit(store, "omni", threads).run((done, total) -> { });
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s audit (%d threads): %,d transfers in %.2f s = %,.0f transfers/s, clean=%s%n",
                kind, threads, report.transferCount(), s, report.transferCount() / s, report.clean());
    }

    private static void cleanUp(String database, Path dir, boolean keep) throws Exception {
        if (keep) {
            System.out.println("kept " + (database != null ? "database " + database : "directory " + dir));
        } else if (database != null) {
            TestDatabases.drop(database);
        } else {
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
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
