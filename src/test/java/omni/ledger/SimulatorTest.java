package omni.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import omni.kernel.TransferBatch;

/**
 * Runs the seeded {@link Simulator}: {@code -Dsim.seeds=N} seeds (default 1,000) from {@code -Dsim.base} (default
 * random, printed), {@code -Dsim.steps} steps each (default 30); {@code -Dsim.seed=S} replays one seed with the
 * engine's log on. A failing seed is printed with the command that replays it.
 */
class SimulatorTest {
    /** Enough seeds that every kind of fault meets every kind of request many times in each run of the tests. */
    private static final int SEED_COUNT_DEFAULT = 1_000;
    /**
     * Steps per seed. A seed costs about 20 ms here (most of it building engines and kernels: one at the start,
     * another after each fault), 60 ms while the machine is shared, so 1,000 seeds take 20 to 60 s.
     */
    private static final int STEP_COUNT_DEFAULT = 30;
    /** Seeds run twice to show that a seed gives the same run: a few, since the main test's seeds cost time. */
    private static final int REPEATED_SEED_COUNT = 20;
    /** Failing seeds reported at most: the first ones say enough, and the run stops early. */
    private static final int FAILING_SEED_COUNT_MAX = 10;

    @Test
    void seededRunsKeepEveryInvariant() throws Exception {
        int steps = Integer.getInteger("sim.steps", STEP_COUNT_DEFAULT);
        Long single = Long.getLong("sim.seed");
        long base = single != null ? single : Long.getLong("sim.base", System.nanoTime() & Long.MAX_VALUE);
        int seedCount = single != null ? 1 : Integer.getInteger("sim.seeds", SEED_COUNT_DEFAULT);
        // Thousands of recoveries each log a few lines; a replayed seed keeps them.
        Logger pipelineLog = Logger.getLogger("omni.ledger");
        Level level = pipelineLog.getLevel();
        if (single == null) {
            pipelineLog.setLevel(Level.OFF);
        }
        long startNs = System.nanoTime();
        long stepTotal = 0;
        long requestTotal = 0;
        long unavailableTotal = 0;
        long timingDependentTotal = 0;
        long acknowledgedTotal = 0;
        long rejectedTotal = 0;
        Map<String, Integer> faults = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        TransferBatch scratch = new TransferBatch();
        try {
            for (long seed = base; seed < base + seedCount && failures.size() < FAILING_SEED_COUNT_MAX; seed++) {
                Simulator.Report r = new Simulator(seed, steps, scratch).run();
                stepTotal += r.steps();
                requestTotal += r.requests();
                unavailableTotal += r.unavailable();
                timingDependentTotal += r.timingDependent();
                acknowledgedTotal += r.acknowledged();
                rejectedTotal += r.rejected();
                r.faults().forEach((k, v) -> faults.merge(k, v, Integer::sum));
                if (!r.violations().isEmpty()) {
                    failures.add("seed " + seed + ": " + r.violations().get(0) + " (replay: mvn -o test "
                            + "-Dtest=SimulatorTest -Dsim.seed=" + seed + " -Dsim.steps=" + steps + ")");
                }
            }
        } finally {
            pipelineLog.setLevel(level);
        }
        int faultTotal = faults.values().stream().mapToInt(Integer::intValue).sum();
        System.out.println("simulator: " + seedCount + " seeds from " + base + ", " + stepTotal + " steps, "
                + requestTotal + " requests (" + unavailableTotal + " answered 503, " + timingDependentTotal
                + " of them timing-dependent), " + acknowledgedTotal + " transfers acknowledged, " + rejectedTotal
                + " items rejected, " + faultTotal + " faults injected " + faults + ", " + failures.size()
                + " violations, " + (System.nanoTime() - startNs) / 1_000_000 + " ms");
        failures.forEach(System.out::println);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        omni.ReliabilityLog.held("seeded simulator of engine and store", seedCount + " seeds from " + base + ", "
                + stepTotal + " steps, " + faultTotal + " faults (append failing before COPY, after COPY, after "
                + "COMMIT, typed or unexpected; crashes; slow commits; outages), invalid transfers mixed in",
                "after every step: each of " + acknowledgedTotal + " acknowledged transfers stored once at its "
                + "position, positions contiguous, balances the fold of storage summing to 0, none but 0 negative, "
                + "kernel equal to storage; 0 violations");
    }

    /**
     * The same seed twice gives the same run: the same faults, answers and stored ledger. A run in which a request
     * missed its deadline only because the machine stalled (timing-dependent) may differ and is not compared.
     */
    @Test
    void aSeedGivesTheSameRunTwice() throws Exception {
        Logger pipelineLog = Logger.getLogger("omni.ledger");
        Level level = pipelineLog.getLevel();
        pipelineLog.setLevel(Level.OFF);
        TransferBatch scratch = new TransferBatch();
        long base = Long.getLong("sim.base", System.nanoTime() & Long.MAX_VALUE);
        int compared = 0;
        try {
            for (long seed = base; seed < base + REPEATED_SEED_COUNT; seed++) {
                Simulator.Report first = new Simulator(seed, STEP_COUNT_DEFAULT, scratch).run();
                Simulator.Report second = new Simulator(seed, STEP_COUNT_DEFAULT, scratch).run();
                if (first.timingDependent() == 0 && second.timingDependent() == 0) {
                    assertEquals(first, second, "seed " + seed);
                    compared++;
                }
            }
        } finally {
            pipelineLog.setLevel(level);
        }
        assertTrue(compared > REPEATED_SEED_COUNT / 2, compared + " of " + REPEATED_SEED_COUNT + " seeds compared");
    }
}
