package omni.kernel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The {@link KernelBenchmark} workload timed by the CPU time of the validating thread instead of wall time, so
 * that other processes on a shared machine distort it less (they still share caches and memory bandwidth).
 * Skips the first third of the batches as warm-up.
 * Run: {@code mvn -B -q -o -Pjmh test-compile && java -Xmx8g -XX:+UseParallelGC
 * -cp target/classes:target/test-classes omni.kernel.KernelCpuTime 3000}
 */
public final class KernelCpuTime {
    private KernelCpuTime() {
    }

    public static void main(String[] args) throws InterruptedException {
        int batchCount = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        KernelBenchmark workload = new KernelBenchmark();
        workload.setUp();
        long statelessNs = 0;
        long statefulNs = 0;
        long measured = 0;
        for (int b = 0; b < batchCount; b++) {
            workload.nextBatch();
            long start = threads.getCurrentThreadCpuTime();
            workload.statelessOnly();
            long middle = threads.getCurrentThreadCpuTime();
            workload.statefulOnly();
            long end = threads.getCurrentThreadCpuTime();
            if (b >= batchCount / 3) {
                statelessNs += middle - start;
                statefulNs += end - middle;
                measured += KernelBenchmark.BATCH_SIZE;
            }
        }
        workload.tearDown();
        System.out.printf("stateless %.0f ns/transfer (%.2fM/s a core), stateful %.0f ns/transfer (%.2fM/s), "
                + "both on one thread %.2fM/s, over %d transfers%n", (double) statelessNs / measured,
                measured * 1e3 / statelessNs, (double) statefulNs / measured, measured * 1e3 / statefulNs,
                measured * 1e3 / (statelessNs + statefulNs), measured);
    }
}
