package omni;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The rows of the README's reliability table, written by the fault tests themselves: each scenario that held
 * writes one row (what was tried, with counts, seeds and durations; what held) into
 * {@code target/reliability/<scenario>.row}. {@code ./install.sh test} prints the table after the run and
 * {@code ./install.sh reliability} writes it into the README, so no figure there is typed by hand.
 */
public final class ReliabilityLog {
    private static final Path DIR = Path.of("target", "reliability");

    private ReliabilityLog() {
    }

    /**
     * Records that {@code scenario} held; called at the end of a passing test. The row is printed too, so the
     * test's own output shows it.
     */
    public static void held(String scenario, String tried, String held) {
        String row = "| " + scenario + " | " + tried + " | " + held + " |";
        System.out.println("reliability: " + row);
        try {
            Files.createDirectories(DIR);
            Files.writeString(DIR.resolve(scenario.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase() + ".row"),
                    row + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
