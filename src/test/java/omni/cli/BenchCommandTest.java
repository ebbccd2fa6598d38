package omni.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void rejectsABatchSizeAboveTheRequestLimit() {
        assertEquals(2, new CommandLine(new BenchCommand()).execute("--batch-size", "10001", "--url", "http://127.0.0.1:1"));
    }
}
