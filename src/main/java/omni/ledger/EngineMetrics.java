package omni.ledger;

import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import omni.kernel.Result;

/**
 * The pipeline's meters (SPEC section 9). Updated once per request batch or per group commit, never per
 * transfer: a per-result tally is summed over the batch first and each counter is incremented once.
 */
final class EngineMetrics {
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
                .publishPercentileHistogram(true));
        commitBatchSize = registry.getOrCreate(DistributionSummary.builder("omni_commit_batch_size")
                .description("Transfers appended by one group commit")
                .publishPercentileHistogram(true));
    }

    void ingested(int bodySize) {
        ingestBytes.increment(bodySize);
    }

    /** Committer thread only: counts the results of a committed (or answered) batch. */
    void answered(BatchSlot slot) {
        byte[] results = slot.batch.result;
        int count = slot.batch.count;
        for (int i = 0; i < count; i++) {
            tally[results[i]]++;
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
