package omni.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import omni.kernel.TransferBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JSON ingest of a request of 1,000 transfers as a client sends them (two parents each, a short memo on one in
 * four, the optional id on one in ten), as a JSON array and as NDJSON. Scores are transfers per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class IngestBenchmark {
    static final int BATCH_SIZE = 1_000;

    private byte[] array;
    private byte[] ndjson;
    private final TransferBatch batch = new TransferBatch();

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(42);
        StringBuilder arrayText = new StringBuilder("[");
        StringBuilder ndjsonText = new StringBuilder();
        for (int k = 0; k < BATCH_SIZE; k++) {
            String item = item(random, k);
            arrayText.append(k == 0 ? "" : ",").append(item);
            ndjsonText.append(item).append('\n');
        }
        array = arrayText.append(']').toString().getBytes(StandardCharsets.UTF_8);
        ndjson = ndjsonText.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String item(Random random, int k) {
        StringBuilder out = new StringBuilder("{\"sender\":").append(1 + random.nextInt(1_000_000))
                .append(",\"receiver\":").append(1 + random.nextInt(1_000_000))
                .append(",\"amount\":").append(1 + random.nextInt(100_000))
                .append(",\"seq\":").append(1 + random.nextInt(10_000))
                .append(",\"timestamp\":").append(1_764_130_000_000L + k)
                .append(",\"parents\":[\"").append(hex(random)).append("\",\"").append(hex(random)).append("\"]");
        if (k % 4 == 0) {
            out.append(",\"memo\":\"invoice ").append(k).append(" caf\\u00e9\"");
        }
        if (k % 10 == 0) {
            out.append(",\"id\":\"").append(hex(random)).append('"');
        }
        return out.append('}').toString();
    }

    private static String hex(Random random) {
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < 4; k++) {
            out.append(String.format("%016x", random.nextLong()));
        }
        return out.toString();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public int jsonArray() {
        JsonIngest.parse(array, array.length, false, batch);
        return batch.count;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_SIZE)
    public int ndjson() {
        JsonIngest.parse(ndjson, ndjson.length, true, batch);
        return batch.count;
    }
}
