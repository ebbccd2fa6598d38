package omni.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import omni.config.Pem;
import omni.kernel.Hex;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code omni bench}: a load generator in the spirit of {@code tigerbeetle benchmark}. Mints from the issuer
 * to fresh accounts, sends valid transfers (real parents, correct seqs) over concurrent connections in
 * batches, prints accepted transfers/s and batch latency percentiles, then checks through the API that the
 * balances sum to 0 and the counts match. Exit 1 on any mismatch.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Load generator: mint, send valid transfers, report transfers/s and latency, check balances.")
public final class BenchCommand implements Callable<Integer> {
    /** Every account gets this much from the issuer: far more than amounts of 1..100 can drain in a run. */
    private static final long MINT_AMOUNT = 1_000_000_000_000L;
    private static final int TRANSFER_AMOUNT_MAX = 100;
    /** Fresh accounts per run: ids drawn from [2^40, 2^50), so runs against one ledger do not collide. */
    private static final long ACCOUNT_BASE_MIN = 1L << 40;
    /** A 503 is retried after its Retry-After; a run that sees this many in a row stops. */
    private static final int UNAVAILABLE_RETRY_MAX = 120;
    /** A member that does not accept a connection within this long is taken for down: the next one is tried. */
    private static final int CONNECT_TIMEOUT_S = 2;
    /** A request (a batch committed, an account read) not answered within this long has failed. */
    private static final int REQUEST_TIMEOUT_S = 120;
    /** Upper bound of the latency histogram: a batch slower than a minute is a failure anyway. */
    private static final long LATENCY_US_MAX = 60_000_000L;
    /** Recovery of a large existing ledger can take a while; a node not ready after this has failed. */
    private static final long READY_WAIT_MS = 120_000;
    private static final Pattern METRIC_COUNT = Pattern.compile("(?m)^omni_commit_batch_size_count\\{[^}]*} ([0-9.eE+]+)");
    private static final Pattern METRIC_SIZE_SUM = Pattern.compile("(?m)^omni_commit_batch_size_sum\\{[^}]*} ([0-9.eE+]+)");
    private static final Pattern METRIC_SECONDS_SUM =
            Pattern.compile("(?m)^omni_commit_batch_seconds_sum\\{[^}]*} ([0-9.eE+]+)");
    /** Reads the node's JSON answers; the metrics text is not JSON and keeps its patterns. */
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--accounts", defaultValue = "10000", description = "Accounts to mint and transfer between (default ${DEFAULT-VALUE}).")
    int accountCount;
    @Option(names = "--transfers", defaultValue = "1000000", description = "Transfers to send after minting (default ${DEFAULT-VALUE}).")
    long transferCount;
    @Option(names = "--batch-size", defaultValue = "1000", description = "Transfers a request (default ${DEFAULT-VALUE}, at most 10000).")
    int batchSize;
    @Option(names = "--connections", defaultValue = "8", description = "Concurrent client connections (default ${DEFAULT-VALUE}).")
    int connectionCount;
    @Option(names = "--url", split = ",", description = "Node to load, e.g. http://127.0.0.1:18000, or several members "
            + "of a cluster, comma-separated: connections are spread over them, and a connection whose member fails "
            + "sends the same request to the next one (a resubmission answers exists); without it a node starts "
            + "in-process.")
    List<String> urls;
    @Option(names = "--independent-items", description = "No item depends on another item of its request: each "
            + "item's one parent is its connection's last acknowledged transfer, and receivers are other connections'"
            + " senders. A cluster then sends a request's items to all their owners at once; use it for both runs of "
            + "a one-member against several-members comparison.")
    boolean independentItems;
    @Option(names = "--ca", paramLabel = "FILE", description = "For an https:// --url: PEM certificates to trust "
            + "instead of the JVM's trust store (e.g. the node's own tls.cert when it is self-signed).")
    Path caFile;
    @Option(names = "--token", description = "Admin token; shows in process lists, so prefer $OMNI_ADMIN_TOKEN (the default), else <data dir>/admin.token.")
    String token;
    @Option(names = "--data-dir", description = "Data directory of the in-process node, or where admin.token is (default ./omni-data).")
    Path dataDir;
    @Option(names = "--db-url", description = "In-process node only: PostgreSQL JDBC URL (default: embedded store).")
    String dbUrl;
    @Option(names = "--rate", defaultValue = "0", description = "Open loop: offer this many transfers/s in total, each "
            + "connection's batches on a fixed schedule, latency taken from each batch's scheduled moment (corrected "
            + "for coordinated omission); 0 (default) = closed loop, each connection as fast as answers come.")
    long rateTps;
    @Option(names = "--seed", description = "Seed for accounts, receivers and amounts (default: random, printed).")
    Long seed;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private BenchHttp http;
    /** The API base of every node loaded ({@code .../api/v1}); the first answers the set-up and the check. */
    private List<String> baseUrls;
    private String baseUrl;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1 || batchSize > TransferBatch.ITEM_COUNT_MAX || accountCount < 2 || connectionCount < 1
                || transferCount < 0 || accountCount < connectionCount || rateTps < 0) {
            err.println("bench: need 1 <= --batch-size <= 10000, --accounts >= 2 and >= --connections, --transfers >= 0,"
                    + " --rate >= 0");
            return 2;
        }
        if (caFile != null && (urls == null || !urls.stream().allMatch(u -> u.strip().startsWith("https://")))) {
            err.println("bench: --ca is for an https:// --url");
            return 2;
        }
        SSLContext trust = null;
        if (caFile != null) {
            try {
                trust = Pem.trustContext("--ca", caFile);
            } catch (IOException e) {
                err.println("bench: " + e.getMessage());
                return 2;
            }
        }
        long runSeed = seed != null ? seed : System.nanoTime();
        BenchNode node = urls == null ? BenchNode.start(dataDir, dbUrl) : null;
        try {
            baseUrls = (node != null ? List.of(node.url()) : urls).stream()
                    .map(u -> u.strip().replaceAll("/+$", "") + "/api/v1").toList();
            baseUrl = baseUrls.get(0);
            http = new BenchHttp("Bearer " + (node != null ? node.adminToken() : adminToken()),
                    Duration.ofSeconds(CONNECT_TIMEOUT_S), Duration.ofSeconds(REQUEST_TIMEOUT_S), trust);
            for (String base : baseUrls) {
                try {
                    awaitReady(base.substring(0, base.length() - "/api/v1".length()));
                } catch (SSLException e) {
                    err.println("bench: TLS with " + base + " failed (" + e.getMessage() + ")"
                            + (caFile == null ? "; for a self-signed node certificate pass it with --ca FILE" : ""));
                    return 1;
                } catch (IOException e) {
                    err.println("bench: " + base + " does not answer: " + e);
                    return 1;
                }
            }
            return run(runSeed);
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    private int run(long runSeed) throws Exception {
        SplittableRandom random = new SplittableRandom(runSeed);
        long accountBase = ACCOUNT_BASE_MIN + random.nextLong(ACCOUNT_BASE_MIN * 1023);
        out.printf(Locale.ROOT, "bench: %s, %d accounts from %d, %d transfers in batches of %d over %d connections, %s, seed %d%n",
                String.join(" ", baseUrls), accountCount, accountBase + 1, transferCount, batchSize, connectionCount,
                rateTps == 0 ? "closed loop" : "open loop at " + rateTps + " transfers/s", runSeed);
        long issuerBalanceBefore = account(0)[0];
        byte[] lastMintId = mint(accountBase);
        Load load = new Load(accountBase, lastMintId, runSeed);
        double[] commitsBefore = commitMetrics();
        long startNs = System.nanoTime();
        load.runAll();
        long elapsedNs = System.nanoTime() - startNs;
        err.println();
        baseUrl = firstReady();
        report(load, elapsedNs);
        reportCommits(commitsBefore, commitMetrics(), elapsedNs);
        return check(load, accountBase, issuerBalanceBefore) && load.failures.get() == 0 ? 0 : 1;
    }

    /** The first member that answers ready (the one that answered the set-up may have died during the load). */
    private String firstReady() throws InterruptedException {
        for (String base : baseUrls) {
            try {
                if (http.get(base.substring(0, base.length() - "/api/v1".length()) + "/health/ready", false)
                        .status() == 200) {
                    return base;
                }
            } catch (IOException e) {
                err.println("bench: " + base + " does not answer: " + e);
            }
        }
        throw new IllegalStateException("no member of " + baseUrls + " answers ready");
    }

    /** Waits for /health/ready: a node replaying a large ledger answers 503 until it is done. */
    private void awaitReady(String nodeUrl) throws IOException, InterruptedException {
        long deadlineMs = System.currentTimeMillis() + READY_WAIT_MS;
        while (true) {
            BenchHttp.Answer ready = http.get(nodeUrl + "/health/ready", false);
            if (ready.status() == 200) {
                return;
            }
            if (System.currentTimeMillis() > deadlineMs) {
                throw new IllegalStateException("node not ready after " + READY_WAIT_MS + " ms: " + ready.text());
            }
            Thread.sleep(100);
        }
    }

    private String adminToken() throws IOException {
        if (token != null) {
            return token;
        }
        String fromEnv = System.getenv("OMNI_ADMIN_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        Path file = (dataDir != null ? dataDir : Path.of("omni-data")).resolve("admin.token");
        return Files.readString(file).trim();
    }

    /** Mints MINT_AMOUNT to each account from the issuer, in batches chained by parents; returns the last id. */
    private byte[] mint(long accountBase) throws Exception {
        long issuerSeq = account(0)[1];
        byte[] parent = Hex.decode(firstTip());
        TransferIds ids = new TransferIds();
        byte[] id = new byte[TransferBatch.ID_SIZE];
        long timestamp = System.currentTimeMillis();
        BodyWriter body = new BodyWriter();
        for (int from = 0; from < accountCount; from += batchSize) {
            int to = Math.min(accountCount, from + batchSize);
            body.start();
            for (int i = from; i < to; i++) {
                long receiver = accountBase + 1 + i;
                issuerSeq++;
                ids.computeId(0, receiver, MINT_AMOUNT, issuerSeq, timestamp, parent, 0, 1, parent, 0, 0, id, 0);
                body.transfer(0, receiver, MINT_AMOUNT, issuerSeq, timestamp, parent, 0, null, 0);
                parent = id.clone();
            }
            byte[] answer = post(body.finish(), body.size);
            long[] counts = counts(answer);
            if (counts[0] != to - from) {
                throw new IllegalStateException("mint batch " + from + ".." + to + " not accepted: "
                        + shorten(answer));
            }
        }
        out.printf(Locale.ROOT, "bench: minted %d to each of %d accounts%n", MINT_AMOUNT, accountCount);
        return parent;
    }

    private String firstTip() throws IOException, InterruptedException {
        String answer = get("/tips?limit=1");
        JsonNode tip = parse(answer).path("tips").path(0);
        if (!tip.isTextual()) {
            throw new IllegalStateException("GET /tips gave no tip: " + shorten(answer));
        }
        return tip.textValue();
    }

    /** A JSON array of transfers written as bytes into a reused buffer: no String per transfer. */
    static final class BodyWriter {
        /** One transfer with two parents is under 300 bytes. */
        private static final int TRANSFER_SIZE_MAX = 320;
        byte[] buffer = new byte[TRANSFER_SIZE_MAX * 1_024];
        int size;

        void start() {
            size = 0;
            buffer[size++] = '[';
        }

        byte[] finish() {
            buffer[size++] = ']';
            return buffer;
        }

        /** Appends one transfer with parent {@code a} and, when {@code b} is not null, parent {@code b}. */
        void transfer(long sender, long receiver, long amount, long seq, long timestamp,
                      byte[] a, int aOffset, byte[] b, int bOffset) {
            if (size + TRANSFER_SIZE_MAX + 1 > buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, buffer.length * 2);
            }
            if (size > 1) {
                buffer[size++] = ',';
            }
            ascii("{\"sender\":").number(sender).ascii(",\"receiver\":").number(receiver)
                    .ascii(",\"amount\":").number(amount).ascii(",\"seq\":").number(seq)
                    .ascii(",\"timestamp\":").number(timestamp).ascii(",\"parents\":[").id(a, aOffset);
            if (b != null) {
                ascii(",").id(b, bOffset);
            }
            ascii("]}");
        }

        private BodyWriter ascii(String text) {
            for (int i = 0; i < text.length(); i++) {
                buffer[size++] = (byte) text.charAt(i);
            }
            return this;
        }

        private BodyWriter number(long value) {
            int digits = 1;
            for (long v = value / 10; v != 0; v /= 10) {
                digits++;
            }
            for (int i = size + digits - 1; i >= size; i--) {
                buffer[i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            size += digits;
            return this;
        }

        private BodyWriter id(byte[] id, int offset) {
            buffer[size++] = '"';
            size = Hex.encode(id, offset, TransferBatch.ID_SIZE, buffer, size);
            buffer[size++] = '"';
            return this;
        }
    }

    /** The load phase: one worker a connection, each owning every connectionCount-th account as sender. */
    private final class Load {
        final long accountBase;
        final byte[] initialParent;
        final long runSeed;
        final AtomicLong remaining = new AtomicLong(transferCount);
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong unavailable = new AtomicLong();
        final long[] seqs = new long[accountCount];
        final Histogram latencyUs = new Histogram(LATENCY_US_MAX, 3);
        /** Open loop: the moment the schedule starts, and each connection's time between its batches. */
        final long scheduleStartNs = System.nanoTime();
        final long batchIntervalNs = rateTps == 0 ? 0 : batchSize * connectionCount * 1_000_000_000L / rateTps;

        Load(long accountBase, byte[] initialParent, long runSeed) {
            this.accountBase = accountBase;
            this.initialParent = initialParent;
            this.runSeed = runSeed;
        }

        void runAll() throws Exception {
            Thread progress = Thread.ofPlatform().daemon(true).start(this::progress);
            try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Histogram>> results = new ArrayList<>();
                for (int c = 0; c < connectionCount; c++) {
                    int connection = c;
                    results.add(workers.submit(() -> new Connection(this, connection).run()));
                }
                for (Future<Histogram> result : results) {
                    latencyUs.add(result.get());
                }
            } finally {
                progress.interrupt();
            }
        }

        private void progress() {
            long startNs = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                long done = accepted.get();
                double seconds = (System.nanoTime() - startNs) / 1e9;
                int width = 40;
                int filled = transferCount == 0 ? width : (int) (done * width / transferCount);
                err.printf(Locale.ROOT, "\r[%s%s] %3d%% %,d/%,d transfers, %,.0f/s, 503s %d ",
                        "#".repeat(filled), ".".repeat(width - filled),
                        transferCount == 0 ? 100 : done * 100 / transferCount, done, transferCount,
                        seconds > 0 ? done / seconds : 0.0, unavailable.get());
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One client connection: sends batches of its own senders' transfers, each batch after the previous one. */
    private final class Connection {
        private final Load load;
        private final int connection;
        private final SplittableRandom random;
        private final TransferIds ids = new TransferIds();
        private final Histogram latencyUs = new Histogram(LATENCY_US_MAX, 3);
        private final byte[] batchIds = new byte[TransferBatch.ITEM_COUNT_MAX * TransferBatch.ID_SIZE];
        private final byte[] parentScratch = new byte[2 * TransferBatch.ID_SIZE];
        private final BodyWriter body = new BodyWriter();
        private byte[] lastId;
        private long lastTimestamp;
        private int nextSender;
        /** Index into baseUrls of the member this connection sends to; moves on when that member fails. */
        private int member;

        Connection(Load load, int connection) {
            this.load = load;
            this.connection = connection;
            this.member = connection % baseUrls.size();
            this.random = new SplittableRandom(load.runSeed * 31 + connection);
            this.lastId = load.initialParent;
            this.nextSender = connection;
        }

        Histogram run() throws Exception {
            for (long batchIndex = 0; ; batchIndex++) {
                long before = load.remaining.getAndAdd(-batchSize);
                if (before <= 0) {
                    return latencyUs;
                }
                int count = (int) Math.min(batchSize, before);
                buildBatch(count);
                long startNs = scheduledStartNs(batchIndex);
                byte[] answer = postRetrying(body.buffer, body.size);
                latencyUs.recordValue(Math.min(LATENCY_US_MAX, (System.nanoTime() - startNs) / 1_000));
                long[] counts = counts(answer);
                load.accepted.addAndGet(counts[0]);
                if (counts[0] != count) {
                    load.failures.incrementAndGet();
                    err.printf("%nbench: connection %d: %d of %d accepted: %s%n", connection, counts[0], count,
                            shorten(answer));
                    return latencyUs;
                }
                lastId = java.util.Arrays.copyOfRange(batchIds, (count - 1) * TransferBatch.ID_SIZE,
                        count * TransferBatch.ID_SIZE);
            }
        }

        /**
         * Closed loop: now. Open loop: this batch's moment on the connection's fixed schedule (connections spread
         * evenly over one interval), waited for when it lies ahead; a batch that falls behind is sent at once
         * and its latency still counts from its scheduled moment, so a stall shows in every batch it delays.
         */
        private long scheduledStartNs(long batchIndex) {
            if (load.batchIntervalNs == 0) {
                return System.nanoTime();
            }
            long scheduledNs = load.scheduleStartNs + batchIndex * load.batchIntervalNs
                    + connection * load.batchIntervalNs / connectionCount;
            for (long waitNs = scheduledNs - System.nanoTime(); waitNs > 0; waitNs = scheduledNs - System.nanoTime()) {
                LockSupport.parkNanos(waitNs);
            }
            return scheduledNs;
        }

        /** Each item's parents: this connection's last acknowledged id and, after the first, the previous item. */
        private void buildBatch(int count) {
            body.start();
            long timestamp = Math.max(lastTimestamp, System.currentTimeMillis());
            lastTimestamp = timestamp;
            for (int i = 0; i < count; i++) {
                int senderIndex = nextSender;
                nextSender += connectionCount;
                if (nextSender >= accountCount) {
                    nextSender = connection;
                }
                int receiverIndex = receiverIndex(senderIndex);
                long sender = load.accountBase + 1 + senderIndex;
                long receiver = load.accountBase + 1 + receiverIndex;
                long amount = 1 + random.nextInt(TRANSFER_AMOUNT_MAX);
                long seq = ++load.seqs[senderIndex];
                boolean chained = i > 0 && !independentItems;
                System.arraycopy(lastId, 0, parentScratch, 0, TransferBatch.ID_SIZE);
                if (chained) {
                    System.arraycopy(batchIds, (i - 1) * TransferBatch.ID_SIZE, parentScratch, TransferBatch.ID_SIZE,
                            TransferBatch.ID_SIZE);
                }
                ids.computeId(sender, receiver, amount, seq, timestamp, parentScratch, 0, chained ? 2 : 1,
                        parentScratch, 0, 0, batchIds, i * TransferBatch.ID_SIZE);
                body.transfer(sender, receiver, amount, seq, timestamp, lastId, 0, chained ? batchIds : null,
                        (i - 1) * TransferBatch.ID_SIZE);
            }
            body.finish();
        }

        /** Any other account; with independent items, one that is no sender of this connection. */
        private int receiverIndex(int senderIndex) {
            while (true) {
                int receiverIndex = random.nextInt(accountCount - 1);
                receiverIndex = receiverIndex >= senderIndex ? receiverIndex + 1 : receiverIndex;
                if (!independentItems || connectionCount == 1 || receiverIndex % connectionCount != connection) {
                    return receiverIndex;
                }
            }
        }

        /**
         * Sends the batch until a member answers it: a 503 is retried after its Retry-After, on the next member when
         * there are several; a member that cannot be reached (down, or its answer lost) gets the same batch sent to
         * the next one, where it answers accepted or, for what did commit, exists.
         */
        private byte[] postRetrying(byte[] body, int size) throws IOException, InterruptedException {
            for (int attempt = 0; ; attempt++) {
                String base = baseUrls.get(member);
                BenchHttp.Answer answer;
                try {
                    answer = http.post(base + "/transactions", body, size);
                } catch (IOException e) {
                    if (baseUrls.size() == 1 || attempt == UNAVAILABLE_RETRY_MAX) {
                        throw e;
                    }
                    load.unavailable.incrementAndGet();
                    member = (member + 1) % baseUrls.size();
                    Thread.sleep(100);
                    continue;
                }
                if (answer.status() == 200) {
                    return answer.body();
                }
                if (answer.status() != 503 || attempt == UNAVAILABLE_RETRY_MAX) {
                    throw new IllegalStateException("POST /transactions to " + base + " answered "
                            + answer.status() + ": " + shorten(answer.text()));
                }
                load.unavailable.incrementAndGet();
                member = (member + 1) % baseUrls.size();
                Thread.sleep(baseUrls.size() > 1 ? 100 : Math.min(1_000, answer.retryAfterS() * 1_000));
            }
        }
    }

    private byte[] post(byte[] body, int size) throws IOException, InterruptedException {
        return ok("POST /transactions", http.post(baseUrl + "/transactions", body, size)).body();
    }

    private String get(String path) throws IOException, InterruptedException {
        return ok("GET " + path, http.get(baseUrl + path, true)).text();
    }

    /** The answer to {@code call} when it is a 200; anything else fails the run, naming the call. */
    private static BenchHttp.Answer ok(String call, BenchHttp.Answer answer) {
        if (answer.status() != 200) {
            throw new IllegalStateException(call + " answered " + answer.status() + ": " + shorten(answer.text()));
        }
        return answer;
    }

    /** {balance, seq, transactions} of an account; zeros when it has none yet (404). */
    private long[] account(long id) throws IOException, InterruptedException {
        BenchHttp.Answer answer = http.get(baseUrl + "/accounts/" + id, true);
        if (answer.status() == 404) {
            return new long[3];
        }
        JsonNode account = parse(ok("GET /accounts/" + id, answer).text());
        return new long[] {field(account, "balance"), field(account, "seq"), field(account, "transactions")};
    }

    private static long field(JsonNode json, String name) {
        JsonNode value = json.path(name);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalStateException("no integer " + name + " in " + shorten(json.toString()));
        }
        return value.longValue();
    }

    /**
     * {accepted, rejected} of a transactions answer, read with a streaming parser that stops once it has both: they
     * come before the per-item results, so the results (some 100 bytes an item) are neither decoded nor kept.
     */
    static long[] counts(byte[] answer) {
        long accepted = -1;
        long rejected = -1;
        try (JsonParser parser = JSON.getFactory().createParser(answer)) {
            boolean object = parser.nextToken() == JsonToken.START_OBJECT;
            while (object && (accepted < 0 || rejected < 0) && parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_NUMBER_INT && name.equals("accepted")) {
                    accepted = parser.getLongValue();
                } else if (value == JsonToken.VALUE_NUMBER_INT && name.equals("rejected")) {
                    rejected = parser.getLongValue();
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + shorten(answer), e);
        }
        if (accepted < 0 || rejected < 0) {
            throw new IllegalStateException("not a transactions answer: " + shorten(answer));
        }
        return new long[] {accepted, rejected};
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + shorten(json), e);
        }
    }

    private void report(Load load, long elapsedNs) {
        double seconds = elapsedNs / 1e9;
        Histogram h = load.latencyUs;
        out.printf(Locale.ROOT, "bench: %,d transfers accepted in %.2f s = %,.0f transfers/s (503 answers retried: %d)%n",
                load.accepted.get(), seconds, load.accepted.get() / seconds, load.unavailable.get());
        out.printf(Locale.ROOT, "bench: batch latency%s p50 %.1f ms, p99 %.1f ms, p100 %.1f ms over %d batches of %d%n",
                rateTps == 0 ? "" : " from the schedule (open loop at " + rateTps + "/s)",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3,
                h.getTotalCount(), batchSize);
    }

    /**
     * The node's group-commit meters from /metrics: {commits, transfers, seconds inside Store.append}; null when
     * the node does not expose them (then the server side is not reported).
     */
    private double[] commitMetrics() throws IOException, InterruptedException {
        String nodeUrl = baseUrl.substring(0, baseUrl.length() - "/api/v1".length());
        BenchHttp.Answer answer = http.get(nodeUrl + "/metrics", true);
        String text = answer.text();
        Matcher commits = METRIC_COUNT.matcher(text);
        Matcher transfers = METRIC_SIZE_SUM.matcher(text);
        Matcher seconds = METRIC_SECONDS_SUM.matcher(text);
        if (answer.status() != 200 || !commits.find() || !transfers.find() || !seconds.find()) {
            return null;
        }
        return new double[] {Double.parseDouble(commits.group(1)), Double.parseDouble(transfers.group(1)),
                Double.parseDouble(seconds.group(1))};
    }

    /** How the node committed the run: group size, commit time, and how busy its committer was. */
    private void reportCommits(double[] before, double[] after, long elapsedNs) {
        if (before == null || after == null || after[0] == before[0]) {
            return;
        }
        double commits = after[0] - before[0];
        double transfers = after[1] - before[1];
        double seconds = after[2] - before[2];
        out.printf(Locale.ROOT, "bench: node committed in %,.0f group commits of %,.0f transfers on average, %.1f ms each;"
                        + " the committer was inside Store.append %.0f%% of the run%n", commits, transfers / commits,
                seconds * 1e3 / commits, seconds * 1e9 * 100 / elapsedNs);
    }

    /** Through the API: bench balances sum to what the issuer lost, seqs and transfer counts match. */
    private boolean check(Load load, long accountBase, long issuerBalanceBefore) throws Exception {
        long balanceSum = 0;
        long transferCountSum = 0;
        int seqMismatchCount = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<long[]>> answers = new ArrayList<>(accountCount);
            java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(connectionCount);
            for (int i = 0; i < accountCount; i++) {
                long id = accountBase + 1 + i;
                answers.add(pool.submit(() -> {
                    inFlight.acquire();
                    try {
                        return account(id);
                    } finally {
                        inFlight.release();
                    }
                }));
            }
            for (int i = 0; i < accountCount; i++) {
                long[] state = answers.get(i).get();
                balanceSum += state[0];
                transferCountSum += state[2];
                seqMismatchCount += state[1] == load.seqs[i] ? 0 : 1;
            }
        }
        long issuerDelta = account(0)[0] - issuerBalanceBefore;
        long expectedTransfers = accountCount + 2 * load.accepted.get();
        boolean ok = balanceSum + issuerDelta == 0 && transferCountSum == expectedTransfers && seqMismatchCount == 0
                && load.accepted.get() == transferCount;
        out.printf(Locale.ROOT, "bench: check %s: balances %d + issuer change %d = %d (want 0); transfer count %d (want %d);"
                        + " seq mismatches %d; accepted %d of %d%n", ok ? "OK" : "FAILED", balanceSum, issuerDelta,
                balanceSum + issuerDelta, transferCountSum, expectedTransfers, seqMismatchCount,
                load.accepted.get(), transferCount);
        return ok;
    }

    private static String shorten(byte[] text) {
        return shorten(new String(text, StandardCharsets.UTF_8));
    }

    private static String shorten(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
