package omni.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The HTTP services reach the ledger only through {@link omni.ledger.Ledger}: no source of omni.gateway names the
 * engine, its batch slots or the kernel's transfer batches, so a forwarding ledger can replace the local one.
 */
class LedgerSeamTest {
    private static final Path GATEWAY_SOURCES = Path.of("src/main/java/omni/gateway");
    /** The engine's internals, named by import, by full name, or through a wildcard import of their package. */
    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\bomni\\.ledger\\.(Engine|BatchSlot)\\b|\\bomni\\.kernel\\.TransferBatch\\b"
                    + "|import\\s+omni\\.(ledger|kernel)\\.\\*");

    @Test
    void noGatewaySourceNamesTheEngineItsSlotsOrTransferBatches() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(GATEWAY_SOURCES)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
        assertTrue(sources.size() > 10, "gateway sources not found under " + GATEWAY_SOURCES.toAbsolutePath());
        List<String> found = new ArrayList<>();
        for (Path source : sources) {
            Matcher m = FORBIDDEN.matcher(Files.readString(source));
            while (m.find()) {
                found.add(source.getFileName() + ": " + m.group());
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void thePatternFindsEachWayOfNamingThem() {
        for (String line : new String[] {"import omni.ledger.Engine;", "import omni.ledger.BatchSlot;",
                "import omni.kernel.TransferBatch;", "new omni.ledger.Engine(store)", "import omni.kernel.*;"}) {
            assertTrue(FORBIDDEN.matcher(line).find(), line);
        }
        for (String line : new String[] {"import omni.ledger.Ledger;", "import omni.ledger.EngineTransferLookup;",
                "import omni.kernel.TransferBatchView;"}) {
            assertTrue(!FORBIDDEN.matcher(line).find(), line);
        }
    }
}
