package omni.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import omni.ReliabilityLog;
import omni.cluster.BankHistory.Op;
import omni.cluster.BankHistory.Outcome;
import omni.ledger.TestDatabases;

/**
 * The bank checker against one real node process on PostgreSQL (a private database): under the checker's load the
 * node is killed with SIGKILL at seeded moments ({@link #KILL_COUNT} times) and restarted on the same storage,
 * then paused with SIGSTOP for a few seconds and resumed, and the checker must find no violation. Then the same
 * ledger is compared with doctored histories (an acknowledgement that never happened, one at a wrong position, a
 * rejection that was in fact stored, a rejection for a parent acknowledged before), and the checker must report
 * each, while accepting a rejection for a parent still in flight: it is a checker that can fail. Rerun a failure
 * with {@code -Domni.bank.seed=<seed>}.
 */
class BankCheckerTest {
    private static final int KILL_COUNT = 2;
    private static final int CLIENT_COUNT = 4;
    private static final int SENDERS_PER_CLIENT = 8;
    private static final long ACCOUNT_BASE = 1_000;
    /**
     * Two kills 2 to 5 s into the load after the start or the last restart, each restart a few seconds: 35 s of
     * load leaves more than ten after the last restart, and the whole test near a minute.
     */
    private static final Duration LOAD = Duration.ofSeconds(35);
    private static final int KILL_DELAY_MS_MIN = 2_000;
    private static final int KILL_DELAY_MS_SPREAD = 3_000;
    /** Answers already on their way when the node stops are read within this; none can come after it. */
    private static final long PAUSE_SETTLE_MS = 500;
    /** Well under the checker's request timeout, so the paused requests wait instead of being retried. */
    private static final long PAUSE_MS = 3_000;

    @Test
    void noViolationAcrossKillsAndAPauseOfTheNodeAndDoctoredHistoriesAreCaught() throws Exception {
        long seed = Long.getLong("omni.bank.seed", System.nanoTime());
        System.out.println("BankCheckerTest seed=" + seed);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        String database = TestDatabases.create("bank");
        try {
            Path dataDir = Files.createTempDirectory("omni-bank");
            try (MemberProcess node = MemberProcess.start(dataDir, TestDatabases.url(database), token)) {
                node.awaitReady();
                BankChecker checker = new BankChecker(new BankChecker.Config(List.of(node.url()), token,
                        TestDatabases.url(database), TestDatabases.USER, "", seed, CLIENT_COUNT, SENDERS_PER_CLIENT,
                        ACCOUNT_BASE, LOAD));
                checker.setUp();
                checker.start();
                long acknowledgedAtLastKill = 0;
                for (int kill = 1; kill <= KILL_COUNT; kill++) {
                    int delayMs = KILL_DELAY_MS_MIN + random.nextInt(KILL_DELAY_MS_SPREAD);
                    Thread.sleep(delayMs);
                    long acknowledged = checker.acknowledgedTransfers();
                    assertThat("transfers acknowledged since the last kill, before kill " + kill, acknowledged,
                            greaterThan(acknowledgedAtLastKill));
                    acknowledgedAtLastKill = acknowledged;
                    node.kill();
                    long downNanos = System.nanoTime();
                    node.restart();
                    System.out.printf("kill %d: kill -9 after %d ms of load, %d transfers acknowledged; ready again"
                            + " after %d ms%n", kill, delayMs, acknowledged, (System.nanoTime() - downNanos) / 1_000_000);
                }
                long frozen = pauseUnderLoad(node, checker);
                BankHistory history = checker.awaitQuiet();
                node.assertRunning();
                assertThat("transfers acknowledged after the pause", checker.acknowledgedTransfers(),
                        greaterThan(frozen));
                BankVerdict verdict = checker.verify();
                String summary = checker.summary(verdict);
                System.out.println(summary);
                assertTrue(verdict.clean(), summary);
                assertThat("rejections meant to happen, each checked absent", history.count(Outcome.FAILED),
                        greaterThan(0L));
                assertCatchesDoctoredHistories(checker, history);
                ReliabilityLog.held("Bank checker: kill -9 and pause of the node under load (PostgreSQL)",
                        KILL_COUNT + " kills at seeded moments and restarts, a " + (PAUSE_SETTLE_MS + PAUSE_MS)
                                + " ms SIGSTOP, " + CLIENT_COUNT + " clients x "
                                + SENDERS_PER_CLIENT + " senders for " + LOAD.toSeconds() + " s, seed " + seed,
                        history.count(Outcome.OK) + " ok (" + checker.resolvedByExists() + " of them answered "
                                + "exists to a resend), " + history.count(Outcome.FAILED) + " rejected, "
                                + history.count(Outcome.UNKNOWN) + " unknown: every acknowledged transfer stored "
                                + "once at its position, no rejected one stored, positions and seqs contiguous, no "
                                + "account but 0 negative, balances sum to 0 in every snapshot and at the end, the "
                                + "API agrees with the tables, audit clean");
                node.stop();
            }
        } finally {
            TestDatabases.drop(database);
        }
    }

    /**
     * SIGSTOP for {@link #PAUSE_MS} under the load, then SIGCONT: the clients' requests hang (shorter than their
     * timeout) and nothing is acknowledged meanwhile. Returns the acknowledged count while paused.
     */
    private static long pauseUnderLoad(MemberProcess node, BankChecker checker) throws Exception {
        node.pause();
        Thread.sleep(PAUSE_SETTLE_MS);
        long frozen = checker.acknowledgedTransfers();
        Thread.sleep(PAUSE_MS);
        assertEquals(frozen, checker.acknowledgedTransfers(), "transfers acknowledged while the node was paused");
        node.resume();
        System.out.println("paused " + (PAUSE_SETTLE_MS + PAUSE_MS) + " ms at " + frozen + " acknowledged transfers");
        return frozen;
    }

    /** Each lie about what the ledger did must be reported, and only as what it is. */
    private static void assertCatchesDoctoredHistories(BankChecker checker, BankHistory history) throws Exception {
        Op real = history.ops().stream().filter(op -> op.outcome() == Outcome.OK && op.sender() != 0)
                .reduce((first, second) -> second).orElseThrow();
        Op fabricated = new Op(real.client(), "e".repeat(64), real.sender(), real.receiver(), real.amount(),
                real.seq() + 1, real.parents(), Outcome.OK, real.position(), "accepted", 1, real.sentNanos(),
                real.answeredNanos());
        BankVerdict verdict = checker.compare(history.with(fabricated));
        assertEquals(1, verdict.count("acknowledged_missing"), "a fabricated acknowledgement:\n" + verdict);
        assertEquals(1, verdict.total(), "a fabricated acknowledgement, nothing else:\n" + verdict);

        Op moved = real.settled(Outcome.OK, real.position() + 1, "accepted", 1, real.sentNanos(),
                real.answeredNanos());
        verdict = checker.compare(history.replacing(real, moved));
        assertEquals(1, verdict.count("acknowledged_moved"), "an acknowledgement at another position:\n" + verdict);

        Op rejected = real.settled(Outcome.FAILED, -1, "seq_reused", 1, real.sentNanos(), real.answeredNanos());
        verdict = checker.compare(history.replacing(real, rejected));
        assertEquals(1, verdict.count("rejected_committed"), "a rejection that was stored:\n" + verdict);
        assertEquals(1, verdict.count("unexpected_rejection"), "a rejection without its reason:\n" + verdict);

        Op lostTip = new Op(real.client(), "d".repeat(64), real.sender(), real.receiver(), real.amount(), real.seq(),
                List.of("c".repeat(64)), Outcome.FAILED, -1, "parent_not_found", 2, real.sentNanos(),
                real.answeredNanos());
        verdict = checker.compare(history.with(lostTip));
        assertEquals(0, verdict.total(), "parent_not_found for a parent never stored:\n" + verdict);
        Op inFlight = new Op(real.client(), "d".repeat(64), real.sender(), real.receiver(), real.amount(), real.seq(),
                List.of(real.id()), Outcome.FAILED, -1, "parent_not_found", 1, real.sentNanos(), real.answeredNanos());
        verdict = checker.compare(history.with(inFlight));
        assertEquals(0, verdict.total(), "parent_not_found for a parent acknowledged after it was sent:\n" + verdict);
        Op parentKnown = new Op(real.client(), "d".repeat(64), real.sender(), real.receiver(), real.amount(),
                real.seq(), List.of(real.id()), Outcome.FAILED, -1, "parent_not_found", 1, Long.MAX_VALUE,
                Long.MAX_VALUE);
        verdict = checker.compare(history.with(parentKnown));
        assertEquals(1, verdict.count("unexpected_rejection"), "parent_not_found for a parent acknowledged before it "
                + "was sent:\n" + verdict);
    }
}
