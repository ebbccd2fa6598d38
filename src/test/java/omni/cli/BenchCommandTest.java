package omni.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** {@code omni bench} end to end on an in-process node with the embedded store: a small run checks clean (exit 0). */
class BenchCommandTest {
    @Test
    void smallRunAgainstAnInProcessNodeChecksClean() throws Exception {
        String dataDir = Files.createTempDirectory("omni-bench").toString();
        int exit = new CommandLine(new BenchCommand()).execute("--accounts", "40", "--transfers", "3000",
                "--batch-size", "250", "--connections", "3", "--data-dir", dataDir, "--seed", "7");
        assertEquals(0, exit);
    }

    /**
     * Requests of 2,000 items: their answers outgrow the slot's first response buffer, and each answer must still
     * be the whole JSON the encoder wrote (the bench parses every one and checks the ledger at the end).
     */
    @Test
    void largeRequestsAnswerWholeJson() throws Exception {
        String dataDir = Files.createTempDirectory("omni-bench-large").toString();
        int exit = new CommandLine(new BenchCommand()).execute("--accounts", "40", "--transfers", "4000",
                "--batch-size", "2000", "--connections", "2", "--data-dir", dataDir, "--seed", "13");
        assertEquals(0, exit);
    }

    /**
     * Open loop: 3,000 transfers offered at 6,000/s in batches of 100 over 3 connections are 30 batches on a
     * schedule half a second long, so the run cannot end before the last batch's moment (a closed loop on the
     * embedded store needs a fraction of that); it still checks clean and says how latency was taken.
     */
    @Test
    void openLoopRunKeepsItsScheduleAndChecksClean() throws Exception {
        String dataDir = Files.createTempDirectory("omni-bench-open").toString();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        long startNs = System.nanoTime();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new BenchCommand()).execute("--accounts", "30", "--transfers", "3000",
                    "--batch-size", "100", "--connections", "3", "--rate", "6000", "--data-dir", dataDir,
                    "--seed", "11");
        } finally {
            System.setOut(stdout);
        }
        long elapsedMs = (System.nanoTime() - startNs) / 1_000_000;
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, exit, text);
        assertThat(text, containsString(
                "batch latency from the schedule (open loop at 6000/s)"));
        assertThat("ms the run took: at least the schedule's 9 intervals of 50 ms",
                elapsedMs, greaterThanOrEqualTo(450L));
    }

    /** The counts are read wherever they stand among the answer's fields; an answer without both is an error. */
    @Test
    void readsTheCountsOfAnAnswerWithoutItsResults() {
        assertArrayEquals(new long[] {2, 1}, BenchCommand.counts(bytes(
                "{\"accepted\":2,\"rejected\":1,\"results\":[{\"index\":0,\"result\":\"accepted\"}]}")));
        assertArrayEquals(new long[] {0, 3}, BenchCommand.counts(bytes(
                "{\"results\":[{\"index\":0,\"detail\":{\"accepted\":9}}],\"rejected\":3,\"accepted\":0}")));
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> BenchCommand.counts(bytes("{\"accepted\":2,\"results\":[]}")));
        assertThat(missing.getMessage(), containsString("not a transactions answer"));
        assertThrows(IllegalStateException.class, () -> BenchCommand.counts(bytes("{\"accepted\":2,")));
        assertThrows(IllegalStateException.class, () -> BenchCommand.counts(bytes("[1,2]")));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rejectsABatchSizeAboveTheRequestLimit() {
        assertEquals(2, new CommandLine(new BenchCommand()).execute("--batch-size", "10001", "--url", "http://127.0.0.1:1"));
    }

    /** A node that cannot be reached is one line naming it and exit 1, not a stack trace. */
    @Test
    void namesANodeThatDoesNotAnswer() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        int exit;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new BenchCommand()).execute("--url", "http://127.0.0.1:1", "--token", "t");
        } finally {
            System.setErr(stderr);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, exit, text);
        assertThat(text, containsString("bench: http://127.0.0.1:1/api/v1 does not answer: java.net.ConnectException"));
    }
}
