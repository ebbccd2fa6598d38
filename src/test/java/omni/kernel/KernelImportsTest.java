package omni.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel depends on no framework and on no other OMNI package, so that the cluster, the gateway and
 * storage build on it and never the reverse: no class of omni.kernel's main sources names Helidon, Hazelcast,
 * JDBC (java.sql, javax.sql), Jedis or another omni package, neither in an import nor written out in code.
 */
class KernelImportsTest {
    private static final Path KERNEL_SOURCES = Path.of("src", "main", "java", "omni", "kernel");
    /** A qualified name into a forbidden package; omni.kernel itself is allowed. */
    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\b(io\\.helidon|com\\.hazelcast|java\\.sql|javax\\.sql|redis\\.clients|omni\\.(?!kernel\\b)\\w+)\\.");
    private static final Pattern COMMENT_OR_STRING = Pattern.compile(
            "/\\*.*?\\*/|//[^\\n]*|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])'", Pattern.DOTALL);

    @Test
    void kernelSourcesNameNoFrameworkAndNoOtherOmniPackage() throws IOException {
        List<String> found = new ArrayList<>();
        int fileCount = 0;
        try (Stream<Path> files = Files.list(KERNEL_SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                fileCount++;
                for (String name : forbiddenNames(Files.readString(file))) {
                    found.add(file.getFileName() + ": " + name);
                }
            }
        }
        assertTrue(fileCount >= 10, "kernel sources found in " + KERNEL_SOURCES.toAbsolutePath() + ": " + fileCount);
        assertEquals(List.of(), found);
    }

    @Test
    void theRuleSeesImportsAndQualifiedNamesButNotCommentsOrStrings() {
        String source = """
                package omni.kernel;
                import io.helidon.webserver.WebServer;
                import static java.sql.Types.BIGINT;
                import omni.kernel.TransferBatch;
                /** Uses omni.ledger.Store only in this comment, and "com.hazelcast.core" in a string. */
                class Sample {
                    String s = "redis.clients.jedis.Jedis";
                    omni.ledger.Store store; // javax.sql.DataSource
                    com.hazelcast.core.HazelcastInstance hz;
                    redis.clients.jedis.Jedis jedis;
                    javax.sql.DataSource pool;
                }
                """;
        assertEquals(List.of("io.helidon.", "java.sql.", "omni.ledger.", "com.hazelcast.", "redis.clients.",
                "javax.sql."), forbiddenNames(source));
    }

    private static List<String> forbiddenNames(String source) {
        String code = COMMENT_OR_STRING.matcher(source).replaceAll(" ");
        List<String> names = new ArrayList<>();
        Matcher m = FORBIDDEN.matcher(code);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
