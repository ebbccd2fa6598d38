package omni.ledger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionStatisticsConfig;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import omni.kernel.Result;

/**
 * The pipeline's meters (docs/observability.md). Updated once per request batch or per group commit, never per
 * transfer: a per-result tally is summed over the batch first and each counter is incremented once.
 */
final class EngineMetrics {
    /**
     * Upper bounds of the {@code omni_commit_batch_seconds} buckets. A group commit was measured at about 1 ms
     * (embedded H2, small batches) to 2 s (PostgreSQL under a full 8 MiB request per batch, fsync on); a 1-2.5-5
     * series over that range with finer steps around 10-100 ms, where PostgreSQL commits mostly fall, keeps the
     * p50/p99 that Prometheus interpolates within a factor of 1.5-2.5, in 15 series per member.
     */
    private static final Duration[] COMMIT_BATCH_BUCKETS = durationsMs(0.5, 1, 2.5, 5, 7.5, 10, 25, 50, 75, 100,
            250, 500, 750, 1000, 2500);
    /**
     * Upper bounds of the {@code omni_commit_batch_size} buckets: one transfer (a lone client) up to the largest
     * group commit the engine makes, {@link Engine#COMMIT_TRANSFER_COUNT_MAX}, in a 1-2.5-5 series.
     */
    private static final double[] COMMIT_BATCH_SIZE_BUCKETS = {1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
            25000, Engine.COMMIT_TRANSFER_COUNT_MAX};

    private final Counter[] transactionsByResult = new Counter[Result.values().length];
    private final Counter ingestBytes;
    private final Timer commitBatch;
    private final DistributionSummary commitBatchSize;
    private final int[] tally = new int[Result.values().length];

    EngineMetrics() {
        MeterRegistry registry = Metrics.globalRegistry();
        for (Result result : Result.values()) {
            transactionsByResult[result.ordinal()] = registry.getOrCreate(Counter.builder("omni_transactions")
                    .description("Transfers submitted, by validation result")
                    .addTag(Tag.create("result", result.wireName())));
        }
        ingestBytes = registry.getOrCreate(Counter.builder("omni_ingest_bytes")
                .description("Request body bytes of POST /api/v1/transactions")
                .baseUnit("bytes"));
        commitBatch = registry.getOrCreate(Timer.builder("omni_commit_batch")
                .description("Duration of one group commit (one storage transaction)")
                .percentiles(new double[0])
                .buckets(COMMIT_BATCH_BUCKETS));
        commitBatchSize = registry.getOrCreate(DistributionSummary.builder("omni_commit_batch_size",
                        DistributionStatisticsConfig.builder().percentiles(new double[0]).buckets(COMMIT_BATCH_SIZE_BUCKETS))
                .description("Transfers appended by one group commit"));
    }

    private static Duration[] durationsMs(double... boundsMs) {
        Duration[] out = new Duration[boundsMs.length];
        for (int i = 0; i < boundsMs.length; i++) {
            out[i] = Duration.ofNanos(Math.round(boundsMs[i] * 1_000_000));
        }
        return out;
    }

    void ingested(int bodySize) {
        ingestBytes.increment(bodySize);
    }

    /**
     * Committer thread only: counts the results of a committed (or answered) batch. An item a cluster member did
     * not hold is not counted: the member that decides it counts it.
     */
    void answered(BatchSlot slot) {
        byte[] results = slot.batch.result;
        int count = slot.batch.count;
        for (int i = 0; i < count; i++) {
            if (results[i] >= 0) {
                tally[results[i]]++;
            }
        }
        for (int code = 0; code < tally.length; code++) {
            if (tally[code] != 0) {
                transactionsByResult[code].increment(tally[code]);
                tally[code] = 0;
            }
        }
    }

    /** Committer thread only. */
    void committed(long durationNs, int transferCount) {
        commitBatch.record(durationNs, TimeUnit.NANOSECONDS);
        commitBatchSize.record(transferCount);
    }
}
