package omni.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import omni.cluster.BankHistory.Op;
import omni.cluster.BankHistory.Outcome;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/**
 * A bank workload with a history: the issuer mints to a fixed set of accounts, then {@link Config#clientCount}
 * clients, each with its own HTTP client and its own senders (so each knows its senders' next seq), submit
 * transfers between the accounts to one or several member URLs, and record every transfer as {@link Outcome#OK},
 * {@link Outcome#FAILED} or {@link Outcome#UNKNOWN}. A client whose request meets a connection error, a timeout
 * or a 5xx sends the same bytes again to the next URL (resending answers {@code exists}, so it is safe) until the
 * retry budget is spent. Meanwhile a sampler checks the balances in
 * consistent PostgreSQL snapshots. Once quiet, {@link #verify()} checks the history against the tables, the API of
 * every URL and {@code omni audit}. Whatever kills, pauses or partitions the members is the test's business: the
 * checker only needs them to come back within the retry budget for its clients to carry on.
 *
 * <p>Usage: {@code new BankChecker(config)}, {@link #setUp()}, {@link #start()}, (faults), {@link #awaitQuiet()},
 * {@link #verify()}, {@link #summary}.
 */
public final class BankChecker {
    /** Bounds of a checker run: a test tool on one machine, not a load generator. */
    static final int URL_COUNT_MAX = 16;
    static final int CLIENT_COUNT_MAX = 32;
    static final int SENDERS_PER_CLIENT_MAX = 64;
    /** A soak run of the cluster test under faults takes tens of minutes; an hour bounds it. */
    static final Duration LOAD_MAX = Duration.ofHours(1);
    /**
     * Minted to each account: at most {@link #AMOUNT_MAX} leaves a sender per transfer, so a sender could send
     * ten million transfers before it ran dry, more than any run sends; {@code insufficient_funds} comes only from
     * the transfers meant to be rejected.
     */
    static final long MINT_AMOUNT = 1_000_000_000L;
    static final int AMOUNT_MAX = 100;
    /**
     * One transfer in 50 asks for more than the whole supply: the ledger must reject it ({@code insufficient_funds})
     * and never store it, which exercises the FAILED side of the history under the same faults.
     */
    static final int REJECTED_ONE_IN = 50;
    /** The amount of those transfers: more than all the minted money together. */
    static final long OVERDRAFT_AMOUNT = Long.MAX_VALUE;
    /** One transfer in 50 pays the issuer back (receiver 0 is allowed), so the issuer's balance moves both ways. */
    static final int REPAY_ONE_IN = 50;
    /** Parents of a transfer: the client's last acknowledged one plus up to this many tips of the ledger. */
    static final int TIP_PARENT_COUNT = 2;
    /** Tips to pick from: a few more than taken, so clients spread over different tips. */
    static final int TIPS_LIMIT = 8;
    /** A member that does not answer in 10 s is treated as gone (paused or cut off): the next URL is tried. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /**
     * How long one request is retried before its transfers are UNKNOWN: a member's restart (JVM start and
     * recovery, a few seconds here, up to tens on a loaded machine) or a partition's move fits in it.
     */
    static final long RETRY_BUDGET_MS = 60_000;
    static final long BACKOFF_MS_MIN = 20;
    static final long BACKOFF_MS_MAX = 500;
    /** Snapshot samples of the database while the load runs: one COUNT(*) and one view a second. */
    static final long DB_SAMPLE_INTERVAL_MS = 1_000;
    /** API samples: one GET per account, every 2 s, to one URL after the other. */
    static final long API_SAMPLE_INTERVAL_MS = 2_000;
    /** Acknowledged transfers looked up by id through each URL after the run (seeded choice). */
    static final int API_LOOKUP_SAMPLE_MAX = 200;
    /** Once quiet, members have this long to agree with the database (a member may apply others' commits late). */
    static final long CONVERGE_WAIT_MS = 10_000;
    static final long AUDIT_WAIT_S = 120;
    private static final int CLIENT_MINT = -1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A run: {@code urls} of the members (each {@code http://127.0.0.1:<port>}: the checker talks to this
     * machine only), the admin token (minting needs it; the clients use it too), the PostgreSQL database the
     * members share, the seed, {@code clientCount} clients of {@code sendersPerClient} senders each, sending one
     * transfer per sender in each request; accounts are {@code accountBase ..} {@code + clientCount *
     * sendersPerClient - 1}; {@code load} is how long new requests are started.
     */
    public record Config(List<String> urls, String adminToken, String dbUrl, String dbUser, String dbPassword,
                         long seed, int clientCount, int sendersPerClient, long accountBase, Duration load) {
        public Config {
            urls = List.copyOf(urls);
            if (urls.isEmpty() || urls.size() > URL_COUNT_MAX) {
                throw new IllegalArgumentException("1 to " + URL_COUNT_MAX + " urls, not " + urls.size());
            }
            for (String url : urls) {
                if (!url.matches("http://127\\.0\\.0\\.1:\\d{1,5}")) {
                    throw new IllegalArgumentException("url " + url + " is not http://127.0.0.1:<port>");
                }
            }
            if (clientCount < 1 || clientCount > CLIENT_COUNT_MAX) {
                throw new IllegalArgumentException("clientCount must be 1 to " + CLIENT_COUNT_MAX + ": " + clientCount);
            }
            if (sendersPerClient < 1 || sendersPerClient > SENDERS_PER_CLIENT_MAX) {
                throw new IllegalArgumentException("sendersPerClient must be 1 to " + SENDERS_PER_CLIENT_MAX + ": "
                        + sendersPerClient);
            }
            if (clientCount * sendersPerClient < 2) {
                throw new IllegalArgumentException("a transfer needs two accounts: clientCount x sendersPerClient >= 2");
            }
            if (accountBase < 1 || accountBase > Long.MAX_VALUE - (long) clientCount * sendersPerClient) {
                throw new IllegalArgumentException("accountBase must leave the accounts in 1..2^63-1: " + accountBase);
            }
            if (load.isNegative() || load.compareTo(LOAD_MAX) > 0) {
                throw new IllegalArgumentException("load must be 0 to " + LOAD_MAX + ": " + load);
            }
        }

        int accountCount() {
            return clientCount * sendersPerClient;
        }
    }

    private final Config config;
    private final BankHistory history = new BankHistory();
    /** What the clients and the sampler found while running: malformed answers, bad samples. */
    private final BankVerdict running = new BankVerdict();
    private final AtomicLong acknowledgedCount = new AtomicLong();
    private final AtomicLong requestCount = new AtomicLong();
    private final AtomicLong retryCount = new AtomicLong();
    private final AtomicLong connectionErrorCount = new AtomicLong();
    private final AtomicLong unavailableCount = new AtomicLong();
    private final AtomicLong serverErrorCount = new AtomicLong();
    private final AtomicLong dbSampleCount = new AtomicLong();
    private final AtomicLong apiSampleCount = new AtomicLong();
    /** API samples whose sum was not 0: the GETs of one sample are not one snapshot, so this is expected. */
    private final AtomicLong apiSampleOffZeroCount = new AtomicLong();
    private final AtomicBoolean sampling = new AtomicBoolean();
    private final List<Thread> clientThreads = new ArrayList<>();
    private Thread sampler;
    /** New requests are started until then: {@link Config#load} after the start, or earlier by {@link #endLoad}. */
    private volatile long loadDeadlineNanos;
    private long baselinePosition;
    private long[] initialSeqs;
    private byte[] mintTip;
    private long loadStartNanos;
    private long loadEndNanos;
    private String auditLine = "not run";
    private long storedCount;
    private long unknownStoredCount;
    private long parentInFlightCount;

    public BankChecker(Config config) {
        this.config = config;
    }

    /**
     * Acknowledged transfers between the accounts so far (not the mint): for a test to see the load go on. A
     * counter, not a pass over the history, so that a test may poll it often.
     */
    public long acknowledgedTransfers() {
        return acknowledgedCount.get();
    }

    /**
     * Acknowledged transfers whose answer was {@code exists} after more than one attempt: an earlier attempt had
     * committed them and its answer was lost (a kill, a reset), and the resend found them.
     */
    public long resolvedByExists() {
        return history.ops().stream().filter(op -> op.outcome() == Outcome.OK && op.attempts() > 1
                && "exists".equals(op.detail())).count();
    }

    /**
     * Records a transfer the test sent itself during the run (a probe of one member), with the answer it got, so
     * that the history holds everything sent since {@link #setUp()} and the stored row is not taken for one never
     * sent.
     */
    public void recordSent(Op op) {
        history.add(op);
    }

    /**
     * Notes the last stored position (everything after it is the run's), reads each account's seq through the API
     * (an account used before continues its seqs) and mints {@link #MINT_AMOUNT} to every account from the issuer
     * in one request; fails unless every mint is acknowledged.
     */
    public void setUp() throws IOException, InterruptedException, SQLException {
        baselinePosition = StoredLedger.lastPosition(config.dbUrl(), config.dbUser(), config.dbPassword());
        try (HttpClient http = newHttpClient()) {
            String url = config.urls().getFirst();
            long issuerSeq = account(http, url, 0).path("seq").asLong();
            initialSeqs = new long[config.accountCount()];
            for (int i = 0; i < initialSeqs.length; i++) {
                initialSeqs[i] = account(http, url, config.accountBase() + i).path("seq").asLong();
            }
            List<byte[]> tips = tips(http, url);
            TransferIds ids = new TransferIds();
            long timestamp = System.currentTimeMillis();
            byte[] parent = tips.getFirst();
            StringBuilder body = new StringBuilder("[");
            List<Op> mints = new ArrayList<>();
            for (int i = 0; i < config.accountCount(); i++) {
                long receiver = config.accountBase() + i;
                byte[] id = new byte[TransferBatch.ID_SIZE];
                ids.computeId(0, receiver, MINT_AMOUNT, issuerSeq + 1 + i, timestamp, parent, 0, 1, parent, 0, 0, id, 0);
                appendTransfer(body.append(i == 0 ? "" : ","), 0, receiver, MINT_AMOUNT, issuerSeq + 1 + i, timestamp,
                        List.of(parent));
                mints.add(new Op(CLIENT_MINT, HexFormat.of().formatHex(id), 0, receiver, MINT_AMOUNT,
                        issuerSeq + 1 + i, List.of(HexFormat.of().formatHex(parent)), Outcome.UNKNOWN, -1, null, 0, 0, 0));
                parent = id;
            }
            Answer answer = submit(http, body.append(']').toString().getBytes(StandardCharsets.UTF_8), 0);
            List<Op> recorded = record(answer, mints);
            for (Op op : recorded) {
                if (op.outcome() != Outcome.OK) {
                    throw new AssertionError("mint not acknowledged: " + op);
                }
            }
            mintTip = parent;
        }
    }

    /** Starts the clients and the sampler; new requests are started for {@link Config#load}. */
    public void start() {
        loadStartNanos = System.nanoTime();
        loadDeadlineNanos = loadStartNanos + config.load().toNanos();
        for (int c = 0; c < config.clientCount(); c++) {
            Client client = new Client(c);
            clientThreads.add(Thread.ofVirtual().name("bank-client-" + c).start(client::run));
        }
        sampling.set(true);
        sampler = Thread.ofVirtual().name("bank-sampler").start(this::sample);
    }

    /**
     * Starts no new request from now on, before {@link Config#load} is over: for a test whose faults take as
     * long as they take, with {@link Config#load} as its upper bound.
     */
    public void endLoad() {
        loadDeadlineNanos = Math.min(loadDeadlineNanos, System.nanoTime());
    }

    /** Waits for every client to finish (the load, then at most one retry budget) and stops the sampler. */
    public BankHistory awaitQuiet() throws InterruptedException {
        for (Thread t : clientThreads) {
            t.join();
        }
        loadEndNanos = System.nanoTime();
        sampling.set(false);
        sampler.join();
        return history;
    }

    /**
     * Everything checked once quiet: the samples taken while running, the recorded history against the stored
     * ledger ({@link BankVerdict#compare}), every URL's API against the stored ledger, and {@code omni audit}.
     */
    public BankVerdict verify() throws IOException, InterruptedException, SQLException {
        BankVerdict verdict = new BankVerdict();
        verdict.addAll(running);
        StoredLedger ledger = StoredLedger.read(config.dbUrl(), config.dbUser(), config.dbPassword());
        storedCount = ledger.rows.length;
        unknownStoredCount = history.ops().stream()
                .filter(op -> op.outcome() == Outcome.UNKNOWN && ledger.rowById.containsKey(op.id())).count();
        parentInFlightCount = BankVerdict.parentInFlightRejections(history, ledger, baselinePosition);
        verdict.addAll(BankVerdict.compare(history, ledger, baselinePosition));
        verdict.addAll(checkApi(ledger));
        verdict.addAll(audit());
        return verdict;
    }

    /** {@link BankVerdict#compare} of {@code doctored} against the ledger as stored now: for negative tests. */
    public BankVerdict compare(BankHistory doctored) throws SQLException {
        StoredLedger ledger = StoredLedger.read(config.dbUrl(), config.dbUser(), config.dbPassword());
        return BankVerdict.compare(doctored, ledger, baselinePosition);
    }

    /** One line with the seed and the figures of the run, for the test's output. */
    public String summary(BankVerdict verdict) {
        double seconds = (loadEndNanos - loadStartNanos) / 1e9;
        long ok = acknowledgedTransfers();
        return String.format("BankChecker seed=%d urls=%d clients=%dx%d load=%.1fs: ops ok=%d (%d exists on a"
                        + " resend) failed=%d (%d parent_not_found for a tip not yet committed) unknown=%d (%d of them"
                        + " stored), %.0f acknowledged transfers/s; requests=%d retried=%d (connection errors %d,"
                        + " 503 %d, other 5xx %d); samples db=%d api=%d (%d API sums off 0 mid-flight);"
                        + " stored=%d; audit: %s; %s",
                config.seed(), config.urls().size(), config.clientCount(), config.sendersPerClient(), seconds,
                history.count(Outcome.OK), resolvedByExists(), history.count(Outcome.FAILED), parentInFlightCount,
                history.count(Outcome.UNKNOWN),
                unknownStoredCount, ok / Math.max(seconds, 1e-3), requestCount.get(), retryCount.get(),
                connectionErrorCount.get(), unavailableCount.get(), serverErrorCount.get(), dbSampleCount.get(),
                apiSampleCount.get(), apiSampleOffZeroCount.get(), storedCount, auditLine,
                verdict.clean() ? "no violations" : "VIOLATIONS:\n" + verdict);
    }

    /** One client: its own HTTP client, its own senders, one request at a time. */
    private final class Client {
        private final int index;
        private final SplittableRandom random;
        private final long[] senders;
        private final long[] nextSeqs;
        /** Senders whose seq is no longer known (a transfer of theirs ended UNKNOWN): not sent from again. */
        private final boolean[] retired;
        private final TransferIds ids = new TransferIds();
        private List<byte[]> tips = new ArrayList<>();
        private byte[] lastOk;
        private long lastTimestamp;
        private int urlIndex;

        Client(int index) {
            this.index = index;
            this.random = new SplittableRandom(config.seed() * 31 + index);
            this.senders = new long[config.sendersPerClient()];
            this.nextSeqs = new long[senders.length];
            this.retired = new boolean[senders.length];
            for (int k = 0; k < senders.length; k++) {
                int account = index * config.sendersPerClient() + k;
                senders[k] = config.accountBase() + account;
                nextSeqs[k] = initialSeqs[account] + 1;
            }
            this.lastOk = mintTip;
            this.urlIndex = index % config.urls().size();
        }

        void run() {
            try (HttpClient http = newHttpClient()) {
                while (System.nanoTime() - loadDeadlineNanos < 0 && !allRetired()) {
                    refreshTips(http);
                    List<Op> ops = new ArrayList<>();
                    byte[] body = build(ops);
                    Answer answer = submit(http, body, urlIndex);
                    urlIndex = answer.urlIndex();
                    for (Op op : record(answer, ops)) {
                        settle(op);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                running.add("client_crashed", "client " + index + ": " + e);
            }
        }

        private boolean allRetired() {
            for (boolean r : retired) {
                if (!r) {
                    return false;
                }
            }
            return true;
        }

        private void refreshTips(HttpClient http) throws InterruptedException {
            try {
                tips = BankChecker.this.tips(http, config.urls().get(urlIndex));
            } catch (IOException e) {
                // The member is down or paused: the tips from before serve again. One of them may have been in
                // flight and lost to a crash (tips are read before commits end); the ledger then answers
                // parent_not_found, which the checks accept only for a parent that is indeed not stored.
            }
        }

        /** One transfer per active sender, each with the client's last acknowledged transfer and tips as parents. */
        private byte[] build(List<Op> ops) {
            long timestamp = Math.max(lastTimestamp, System.currentTimeMillis());
            lastTimestamp = timestamp;
            List<byte[]> parents = parents();
            List<String> parentIds = parents.stream().map(HexFormat.of()::formatHex).toList();
            byte[] parentBytes = new byte[parents.size() * TransferBatch.ID_SIZE];
            for (int i = 0; i < parents.size(); i++) {
                System.arraycopy(parents.get(i), 0, parentBytes, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
            }
            StringBuilder body = new StringBuilder("[");
            byte[] id = new byte[TransferBatch.ID_SIZE];
            for (int k = 0; k < senders.length; k++) {
                if (retired[k]) {
                    continue;
                }
                long receiver = receiver(senders[k]);
                long amount = random.nextInt(REJECTED_ONE_IN) == 0 ? OVERDRAFT_AMOUNT : 1 + random.nextInt(AMOUNT_MAX);
                ids.computeId(senders[k], receiver, amount, nextSeqs[k], timestamp, parentBytes, 0, parents.size(),
                        parentBytes, 0, 0, id, 0);
                appendTransfer(body.append(ops.isEmpty() ? "" : ","), senders[k], receiver, amount, nextSeqs[k],
                        timestamp, parents);
                ops.add(new Op(index, HexFormat.of().formatHex(id), senders[k], receiver, amount, nextSeqs[k],
                        parentIds, Outcome.UNKNOWN, -1, null, 0, 0, 0));
            }
            return body.append(']').toString().getBytes(StandardCharsets.UTF_8);
        }

        private List<byte[]> parents() {
            List<byte[]> parents = new ArrayList<>(1 + TIP_PARENT_COUNT);
            parents.add(lastOk);
            for (int i = 0; i < TIP_PARENT_COUNT && !tips.isEmpty(); i++) {
                byte[] tip = tips.get(random.nextInt(tips.size()));
                if (parents.stream().noneMatch(p -> Arrays.equals(p, tip))) {
                    parents.add(tip);
                }
            }
            return parents;
        }

        private long receiver(long sender) {
            if (random.nextInt(REPAY_ONE_IN) == 0) {
                return 0;
            }
            long receiver = config.accountBase() + random.nextInt(config.accountCount() - 1);
            return receiver >= sender ? receiver + 1 : receiver;
        }

        private void settle(Op op) {
            int k = (int) (op.sender() - senders[0]);
            switch (op.outcome()) {
                case OK -> {
                    nextSeqs[k]++;
                    lastOk = HexFormat.of().parseHex(op.id());
                }
                case FAILED -> { } // nothing changed: the seq is still free
                case UNKNOWN -> retired[k] = true;
            }
        }
    }

    /**
     * The answer to one request after retries: {@code status} 200 (with its body) or a 4xx are definite; -1 means
     * no definite answer came within the retry budget, {@code body} then says what the last attempt met.
     * {@code urlIndex} is the URL that answered (or was tried last); {@code sentNanos} when the last attempt was
     * sent, {@code answeredNanos} when it ended.
     */
    private record Answer(int status, String body, int attempts, int urlIndex, long sentNanos, long answeredNanos) {
    }

    /** Sends {@code body} until a definite answer, moving to the next URL after each indefinite one. */
    private Answer submit(HttpClient http, byte[] body, int firstUrl) throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + RETRY_BUDGET_MS;
        long backoffMs = BACKOFF_MS_MIN;
        String problem;
        for (int attempt = 0; ; attempt++) {
            int urlIndex = (firstUrl + attempt) % config.urls().size();
            long sentNanos = System.nanoTime();
            requestCount.incrementAndGet();
            if (attempt > 0) {
                retryCount.incrementAndGet();
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                URI.create(config.urls().get(urlIndex) + "/api/v1/transactions"))
                        .header("Authorization", "Bearer " + config.adminToken())
                        .header("Content-Type", "application/json").timeout(REQUEST_TIMEOUT)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                int status = r.statusCode();
                if (status == 200 || (status >= 400 && status < 500 && status != 429)) {
                    return new Answer(status, r.body(), attempt + 1, urlIndex, sentNanos, System.nanoTime());
                }
                (status == 503 ? unavailableCount : serverErrorCount).incrementAndGet();
                problem = "HTTP " + status + " from " + config.urls().get(urlIndex) + ": " + abbreviate(r.body());
            } catch (IOException e) {
                connectionErrorCount.incrementAndGet();
                problem = e + " from " + config.urls().get(urlIndex);
            }
            if (System.currentTimeMillis() + backoffMs > deadlineMs) {
                return new Answer(-1, problem, attempt + 1, urlIndex, sentNanos, System.nanoTime());
            }
            Thread.sleep(backoffMs);
            backoffMs = Math.min(2 * backoffMs, BACKOFF_MS_MAX);
        }
    }

    /** The ops of a request with the outcomes its answer gives them, added to the history. */
    private List<Op> record(Answer answer, List<Op> sent) {
        List<Op> done = new ArrayList<>(sent.size());
        JsonNode results = answer.status() == 200 ? results(answer, sent.size()) : null;
        for (int i = 0; i < sent.size(); i++) {
            Op op = sent.get(i);
            Outcome outcome;
            long position = -1;
            String detail;
            if (answer.status() == -1 || (answer.status() == 200 && results == null)) {
                outcome = Outcome.UNKNOWN;
                detail = answer.body();
            } else if (answer.status() != 200) {
                outcome = Outcome.FAILED;
                detail = "HTTP " + answer.status();
            } else {
                JsonNode item = results.get(i);
                detail = item.path("result").asText();
                boolean success = detail.equals("accepted") || detail.equals("exists");
                outcome = success ? Outcome.OK : Outcome.FAILED;
                position = success ? item.path("position").asLong(-1) : -1;
                if (!op.id().equals(item.path("id").asText()) || (success && position < 0)) {
                    running.add("answer_malformed", "item " + i + " answered " + item + " for " + BankVerdict.describe(op));
                }
            }
            Op recorded = op.settled(outcome, position, detail, answer.attempts(), answer.sentNanos(),
                    answer.answeredNanos());
            history.add(recorded);
            if (outcome == Outcome.OK && op.client() != CLIENT_MINT) {
                acknowledgedCount.incrementAndGet();
            }
            done.add(recorded);
        }
        return done;
    }

    /** The results array of a 200 answer, or null (and a violation) when it is not one for {@code count} items. */
    private JsonNode results(Answer answer, int count) {
        try {
            JsonNode results = JSON.readTree(answer.body()).path("results");
            if (results.isArray() && results.size() == count) {
                return results;
            }
        } catch (IOException e) {
            // reported below
        }
        running.add("answer_malformed", count + " items sent, answered: " + abbreviate(answer.body()));
        return null;
    }

    /** Until {@link #awaitQuiet}: database snapshots every second, API reads of every account every 2 s. */
    private void sample() {
        long nextApiMs = System.currentTimeMillis();
        int urlIndex = 0;
        try (HttpClient http = newHttpClient()) {
            while (sampling.get()) {
                sampleDatabase();
                if (System.currentTimeMillis() >= nextApiMs) {
                    sampleApi(http, config.urls().get(urlIndex));
                    urlIndex = (urlIndex + 1) % config.urls().size();
                    nextApiMs = System.currentTimeMillis() + API_SAMPLE_INTERVAL_MS;
                }
                Thread.sleep(DB_SAMPLE_INTERVAL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One consistent snapshot (REPEATABLE READ): positions 0..max all present, the balances sum to 0, no account
     * but 0 negative. Reading accounts one GET at a time cannot give this, since transfers commit between the GETs.
     */
    private void sampleDatabase() {
        try (Connection c = DriverManager.getConnection(config.dbUrl(), config.dbUser(), config.dbPassword())) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try (Statement s = c.createStatement()) {
                long count;
                long max;
                try (ResultSet r = s.executeQuery("SELECT COUNT(*), COALESCE(MAX(position), -1) FROM transfers")) {
                    r.next();
                    count = r.getLong(1);
                    max = r.getLong(2);
                }
                try (ResultSet r = s.executeQuery("SELECT COALESCE(SUM(balance), 0), "
                        + "COUNT(*) FILTER (WHERE account <> 0 AND balance < 0) FROM balances")) {
                    r.next();
                    if (count != max + 1) {
                        running.add("sample_positions_not_contiguous", count + " transfers up to position " + max);
                    }
                    if (r.getLong(1) != 0) {
                        running.add("sample_sum_not_zero", "balances summed to " + r.getLong(1) + " at position " + max);
                    }
                    if (r.getLong(2) != 0) {
                        running.add("sample_balance_negative", r.getLong(2) + " accounts negative at position " + max);
                    }
                }
            }
            c.commit();
            dbSampleCount.incrementAndGet();
        } catch (SQLException e) {
            // A database outage is some test's fault, not a finding: the final checks read it again.
        }
    }

    /**
     * Every account through one URL: each balance but the issuer's must be at least 0. Their sum is only counted:
     * the GETs are not one snapshot, so a transfer committed between two of them puts the sum off 0 legitimately.
     */
    private void sampleApi(HttpClient http, String url) throws InterruptedException {
        try {
            long sum = account(http, url, 0).path("balance").asLong();
            for (int i = 0; i < config.accountCount(); i++) {
                long account = config.accountBase() + i;
                long balance = account(http, url, account).path("balance").asLong();
                if (balance < 0) {
                    running.add("api_balance_negative", url + " answered account " + account + " at " + balance);
                }
                sum += balance;
            }
            apiSampleCount.incrementAndGet();
            if (sum != 0) {
                apiSampleOffZeroCount.incrementAndGet();
            }
        } catch (IOException e) {
            // The member is down or paused at the moment: no sample.
        }
    }

    /**
     * Once quiet, each URL must answer every account's balance and seq as the tables hold them (waiting up to
     * {@link #CONVERGE_WAIT_MS} for a member to catch up), and a seeded sample of acknowledged transfers at their
     * positions.
     */
    private BankVerdict checkApi(StoredLedger ledger) throws InterruptedException {
        BankVerdict verdict = new BankVerdict();
        List<Op> acknowledged = history.ops().stream().filter(op -> op.outcome() == Outcome.OK).toList();
        SplittableRandom random = new SplittableRandom(config.seed());
        try (HttpClient http = newHttpClient()) {
            for (String url : config.urls()) {
                String mismatch = awaitBalances(http, url, ledger);
                if (mismatch != null) {
                    verdict.add("api_balance_mismatch", mismatch);
                }
                for (int i = 0; i < Math.min(API_LOOKUP_SAMPLE_MAX, acknowledged.size()); i++) {
                    Op op = acknowledged.get(random.nextInt(acknowledged.size()));
                    String problem = lookUp(http, url, op);
                    if (problem != null) {
                        verdict.add("api_transfer_mismatch", problem);
                    }
                }
            }
        }
        return verdict;
    }

    /** Null once {@code url} answers every account as stored; else the last difference seen. */
    private String awaitBalances(HttpClient http, String url, StoredLedger ledger) throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + CONVERGE_WAIT_MS;
        String mismatch;
        do {
            mismatch = null;
            for (int i = -1; i < config.accountCount() && mismatch == null; i++) {
                long account = i < 0 ? 0 : config.accountBase() + i;
                StoredLedger.Balance stored = ledger.balances.getOrDefault(account, new StoredLedger.Balance(0, 0));
                try {
                    JsonNode answer = account(http, url, account);
                    if (answer.path("balance").asLong() != stored.balance() || answer.path("seq").asLong() != stored.seq()) {
                        mismatch = url + " answered account " + account + " " + answer + ", stored " + stored;
                    }
                } catch (IOException e) {
                    mismatch = url + " did not answer account " + account + ": " + e;
                }
            }
            if (mismatch != null) {
                Thread.sleep(BACKOFF_MS_MAX);
            }
        } while (mismatch != null && System.currentTimeMillis() < deadlineMs);
        return mismatch;
    }

    private String lookUp(HttpClient http, String url, Op op) throws InterruptedException {
        try {
            HttpResponse<String> r = get(http, url + "/api/v1/transactions/" + op.id());
            if (r.statusCode() != 200) {
                return url + " answered " + r.statusCode() + " for acknowledged " + BankVerdict.describe(op);
            }
            long position = JSON.readTree(r.body()).path("position").asLong(-1);
            return position == op.position() ? null : url + " answered position " + position + " for "
                    + BankVerdict.describe(op) + " acknowledged at " + op.position();
        } catch (IOException e) {
            return url + " did not answer for " + BankVerdict.describe(op) + ": " + e;
        }
    }

    /**
     * {@code omni audit} as its own process against the same database, with the public key the first URL
     * publishes, so the checkpoint chain is audited too: must exit 0 and say clean.
     */
    private BankVerdict audit() throws IOException, InterruptedException {
        BankVerdict verdict = new BankVerdict();
        String publicKey;
        try (HttpClient http = newHttpClient()) {
            publicKey = JSON.readTree(get(http, config.urls().getFirst() + "/api/v1/node").body())
                    .path("publicKey").asText();
        }
        Path dir = Files.createTempDirectory("omni-bank-audit");
        Path out = dir.resolve("audit.out");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), "omni.cli.Main", "audit",
                "--public-key", publicKey);
        pb.environment().keySet().removeIf(k -> k.startsWith("OMNI_"));
        pb.environment().put("OMNI_DB_URL", config.dbUrl());
        pb.environment().put("OMNI_DB_USER", config.dbUser());
        pb.environment().put("OMNI_DB_PASSWORD", config.dbPassword());
        // Not the working directory's omni-data: the audit reads PostgreSQL, but a data directory is a setting.
        pb.environment().put("OMNI_DATA_DIR", dir.resolve("data").toString());
        pb.redirectErrorStream(false).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process audit = pb.start();
        if (!audit.waitFor(AUDIT_WAIT_S, TimeUnit.SECONDS)) {
            audit.destroyForcibly().waitFor();
            verdict.add("audit", "omni audit did not finish within " + AUDIT_WAIT_S + " s");
            auditLine = "timed out";
            return verdict;
        }
        String text = Files.readString(out);
        List<String> lines = text.lines().toList();
        auditLine = "exit " + audit.exitValue() + ", " + (lines.size() > 1 ? lines.get(1) : text.strip());
        if (audit.exitValue() != 0 || !text.contains("clean:") || text.contains("NOT audited")) {
            verdict.add("audit", "exit " + audit.exitValue() + ": " + abbreviate(text));
        }
        return verdict;
    }

    private HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
    }

    private HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + config.adminToken())
                .timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /accounts/{id}} as JSON; an account never used (404) reads as balance 0, seq 0. */
    private JsonNode account(HttpClient http, String url, long account) throws IOException, InterruptedException {
        HttpResponse<String> r = get(http, url + "/api/v1/accounts/" + account);
        if (r.statusCode() == 404) {
            return JSON.createObjectNode().put("id", account).put("balance", 0).put("seq", 0);
        }
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v1/accounts/" + account + " from " + url + ": " + r.statusCode() + " "
                    + abbreviate(r.body()));
        }
        return JSON.readTree(r.body());
    }

    private List<byte[]> tips(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> r = get(http, url + "/api/v1/tips?limit=" + TIPS_LIMIT);
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v1/tips from " + url + ": " + r.statusCode());
        }
        List<byte[]> tips = new ArrayList<>();
        for (JsonNode tip : JSON.readTree(r.body()).path("tips")) {
            tips.add(HexFormat.of().parseHex(tip.asText()));
        }
        return tips;
    }

    private static void appendTransfer(StringBuilder body, long sender, long receiver, long amount, long seq,
                                       long timestamp, List<byte[]> parents) {
        body.append("{\"sender\":").append(sender).append(",\"receiver\":").append(receiver)
                .append(",\"amount\":").append(amount).append(",\"seq\":").append(seq)
                .append(",\"timestamp\":").append(timestamp).append(",\"parents\":[");
        for (int i = 0; i < parents.size(); i++) {
            body.append(i == 0 ? "\"" : ",\"").append(HexFormat.of().formatHex(parents.get(i))).append('"');
        }
        body.append("]}");
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + "…";
    }
}
