package omni.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.metrics.api.Bucket;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Timer;
import omni.kernel.Result;

/**
 * Reads the engine's meters once a second and keeps the last {@link #SAMPLE_COUNT} one-second samples in a ring:
 * accepted and rejected transfers per second, rejections by result, the mean group-commit size and the commit
 * latency p50/p99 of that second (from the histogram's bucket counts, so the figure is the bucket's upper bound).
 * The console's event streams wait on {@link #awaitAfter}, so the push rate is one per second whatever the commit
 * rate.
 *
 * <p>One writer: the sampler thread. Readers copy under the lock.
 */
public final class TpsSampler implements AutoCloseable {
    /** Ten minutes of one-second samples: the chart's window. */
    static final int SAMPLE_COUNT = 600;
    static final long INTERVAL_MS = 1_000;
    private static final String TRANSACTIONS = "omni_transactions";
    private static final String COMMIT_BATCH = "omni_commit_batch";
    private static final String COMMIT_BATCH_SIZE = "omni_commit_batch_size";

    /** One second of the node's traffic. Latencies in milliseconds, NaN when nothing committed. */
    record Sample(long timeMs, long acceptedPerSecond, long rejectedPerSecond, double groupSizeMean,
                  double commitLatencyP50Ms, double commitLatencyP99Ms, Map<String, Long> rejectedByResult) {
    }

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition sampled = lock.newCondition();
    private final Sample[] ring = new Sample[SAMPLE_COUNT];
    private long sampleCount;
    private final Map<String, Long> totalsByResult = new LinkedHashMap<>();
    private volatile boolean closed;
    private final Thread thread;

    // Previous readings, for per-second deltas (sampler thread only).
    private final long[] lastByResult = new long[Result.values().length];
    private long lastLatencyCount;
    private long[] lastLatencyBuckets = new long[0];
    private long lastSizeCount;
    private double lastSizeTotal;

    TpsSampler() {
        read(System.currentTimeMillis(), false);
        thread = Thread.ofPlatform().daemon().name("omni-console-sampler").start(this::run);
    }

    private void run() {
        long next = System.currentTimeMillis() + INTERVAL_MS;
        while (!closed) {
            long waitMs = next - System.currentTimeMillis();
            if (waitMs > 0) {
                try {
                    Thread.sleep(waitMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
            next += INTERVAL_MS;
            read(System.currentTimeMillis(), true);
        }
    }

    private void read(long nowMs, boolean keep) {
        long accepted = 0;
        long rejected = 0;
        Map<String, Long> byResult = new LinkedHashMap<>();
        long[] now = new long[lastByResult.length];
        for (Result result : Result.values()) {
            Counter c = registry.meter(Counter.class, TRANSACTIONS,
                    List.of(io.helidon.metrics.api.Tag.create("result", result.wireName()))).orElse(null);
            now[result.ordinal()] = c == null ? 0 : c.count();
            long delta = now[result.ordinal()] - lastByResult[result.ordinal()];
            if (result == Result.ACCEPTED) {
                accepted = delta;
            } else if (!result.isSuccess()) {
                rejected += delta;
                if (delta > 0) {
                    byResult.put(result.wireName(), delta);
                }
            }
        }
        System.arraycopy(now, 0, lastByResult, 0, now.length);
        double groupSize = groupSizeMean();
        double[] latency = latencyMs();
        if (!keep) {
            return;
        }
        Sample sample = new Sample(nowMs, accepted, rejected, groupSize, latency[0], latency[1], Map.copyOf(byResult));
        lock.lock();
        try {
            ring[(int) (sampleCount % SAMPLE_COUNT)] = sample;
            sampleCount++;
            for (Result result : Result.values()) {
                if (!result.isSuccess() && now[result.ordinal()] > 0) {
                    totalsByResult.put(result.wireName(), now[result.ordinal()]);
                }
            }
            sampled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private double groupSizeMean() {
        DistributionSummary size = registry.meter(DistributionSummary.class, COMMIT_BATCH_SIZE, List.of()).orElse(null);
        if (size == null) {
            return Double.NaN;
        }
        long count = size.count();
        double total = size.totalAmount();
        double mean = count > lastSizeCount ? (total - lastSizeTotal) / (count - lastSizeCount) : Double.NaN;
        lastSizeCount = count;
        lastSizeTotal = total;
        return mean;
    }

    /** p50 and p99 of the commits of the last second, from the cumulative bucket counts of the timer. */
    private double[] latencyMs() {
        Timer timer = registry.meter(Timer.class, COMMIT_BATCH, List.of()).orElse(null);
        if (timer == null) {
            return new double[] {Double.NaN, Double.NaN};
        }
        List<double[]> buckets = new ArrayList<>();
        for (Bucket b : timer.snapshot().histogramCounts()) {
            buckets.add(new double[] {b.boundary(TimeUnit.NANOSECONDS) / 1e6, b.count()});
        }
        long count = timer.count();
        long delta = count - lastLatencyCount;
        long[] nowCounts = new long[buckets.size()];
        for (int i = 0; i < nowCounts.length; i++) {
            nowCounts[i] = (long) buckets.get(i)[1];
        }
        double[] result = {Double.NaN, Double.NaN};
        if (delta > 0 && nowCounts.length == lastLatencyBuckets.length) {
            result[0] = quantile(buckets, nowCounts, 0.50, delta);
            result[1] = quantile(buckets, nowCounts, 0.99, delta);
        } else if (delta > 0) {
            result[0] = timer.mean(TimeUnit.NANOSECONDS) / 1e6;
            result[1] = timer.max(TimeUnit.NANOSECONDS) / 1e6;
        }
        lastLatencyCount = count;
        lastLatencyBuckets = nowCounts;
        return result;
    }

    private double quantile(List<double[]> buckets, long[] nowCounts, double q, long delta) {
        double rank = Math.ceil(q * delta);
        for (int i = 0; i < nowCounts.length; i++) {
            if (nowCounts[i] - lastLatencyBuckets[i] >= rank) {
                return buckets.get(i)[0];
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** The samples held, oldest first. */
    List<Sample> samples() {
        lock.lock();
        try {
            int held = (int) Math.min(sampleCount, SAMPLE_COUNT);
            List<Sample> out = new ArrayList<>(held);
            for (long i = sampleCount - held; i < sampleCount; i++) {
                out.add(ring[(int) (i % SAMPLE_COUNT)]);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Rejections by result since the node started. */
    Map<String, Long> rejectedTotals() {
        lock.lock();
        try {
            return Map.copyOf(totalsByResult);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a sample newer than {@code seenCount} exists; returns the count of samples taken, or -1 once
     * the sampler is closed (the node stops), so that event streams end and the gateway drains.
     */
    long awaitAfter(long seenCount, long timeoutMs) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (sampleCount <= seenCount && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                sampled.awaitNanos(left);
            }
            return closed ? -1 : sampleCount;
        } finally {
            lock.unlock();
        }
    }

    /** The latest sample, or null before the first second has passed. */
    Sample latest() {
        lock.lock();
        try {
            return sampleCount == 0 ? null : ring[(int) ((sampleCount - 1) % SAMPLE_COUNT)];
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        lock.lock();
        try {
            sampled.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
