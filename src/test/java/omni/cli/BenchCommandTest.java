package omni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void rejectsABatchSizeAboveTheRequestLimit() {
        assertEquals(2, new CommandLine(new BenchCommand()).execute("--batch-size", "10001", "--url", "http://127.0.0.1:1"));
    }
}
