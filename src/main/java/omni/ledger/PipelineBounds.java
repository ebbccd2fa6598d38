package omni.ledger;

/**
 * The engine's pipeline bounds and what it does when it cannot recover. {@link #PRODUCTION} is what
 * {@code omni serve} runs with; tests and the simulator shrink the pool and the intervals so that thousands of
 * engines start, fail and recover in seconds, through the same code.
 *
 * @param batchPoolSize   slots in the batch pool ({@link Engine#BATCH_POOL_SIZE} in production)
 * @param readBatchPoolSize scratch batches for storage reads ({@link Engine#READ_BATCH_POOL_SIZE})
 * @param slotAwaitMs     how long a request waits for the pipeline's answer ({@link Engine#SLOT_AWAIT_MS})
 * @param probeIntervalMs storage probe cadence while not ready ({@link Engine#PROBE_INTERVAL_MS})
 * @param stop            called once, after one SEVERE log line, when the pipeline cannot recover
 */
record PipelineBounds(int batchPoolSize, int readBatchPoolSize, long slotAwaitMs, long probeIntervalMs, Stop stop) {
    /** Exit status when the pipeline cannot recover: EX_SOFTWARE of sysexits.h, an internal error. */
    static final int EXIT_PIPELINE_FAILED = 70;

    static final PipelineBounds PRODUCTION = new PipelineBounds(Engine.BATCH_POOL_SIZE,
            Engine.READ_BATCH_POOL_SIZE, Engine.SLOT_AWAIT_MS,
            Engine.PROBE_INTERVAL_MS, reason -> Runtime.getRuntime().halt(EXIT_PIPELINE_FAILED));

    PipelineBounds {
        if (batchPoolSize < 1 || readBatchPoolSize < 1 || slotAwaitMs < 1 || probeIntervalMs < 1) {
            throw new IllegalArgumentException("pipeline bounds must be positive: " + batchPoolSize + " slots, "
                    + readBatchPoolSize + " read batches, " + slotAwaitMs + " ms await, " + probeIntervalMs
                    + " ms probe");
        }
    }

    /**
     * Ends the process. Halting (no shutdown hooks) is deliberate: the pipeline that an orderly stop would drain
     * is the part that broke, and a supervisor restarting the process recovers it from storage.
     */
    @FunctionalInterface
    interface Stop {
        void stop(String reason);
    }
}
