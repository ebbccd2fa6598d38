package omni.ledger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/**
 * A test client of the HTTP API that knows exactly what it sent: it mints to its accounts, then each
 * {@link Worker} sends valid batches of its own senders' transfers (real parents, contiguous seqs) and keeps
 * the one batch whose answer it did not get, to resubmit it identically after a crash or an outage.
 */
final class LedgerClient {
    static final long MINT_AMOUNT = 1_000_000_000L;
    private static final Pattern COUNTS = Pattern.compile("\\{\"accepted\":(\\d+),\"rejected\":(\\d+)");
    private static final Pattern RESULT = Pattern.compile("\"result\":\"([a-z_]+)\"(?:,\"position\":(\\d+))?");

    final String baseUrl;
    final String token;
    final long accountBase;
    final int accountCount;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Every acknowledged transfer: id (hex) to the position the node answered. */
    final Map<String, Long> acknowledged = new HashMap<>();
    private byte[] mintTip;

    LedgerClient(String baseUrl, String token, long accountBase, int accountCount) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.accountBase = accountBase;
        this.accountCount = accountCount;
    }

    /** One POST's outcome as the client saw it. */
    enum Outcome { ACKNOWLEDGED, UNAVAILABLE, LOST }

    /** Status (-1 when no answer came), body, and the Retry-After header (null when absent). */
    record Answer(int status, String body, String retryAfter) {
    }

    Answer post(byte[] body) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/transactions"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            return new Answer(-1, String.valueOf(e), null);
        }
    }

    Answer get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null));
    }

    /** Mints MINT_AMOUNT to each account from the issuer in one chained batch; the node must be fresh. */
    void mint() throws InterruptedException {
        TransferIds ids = new TransferIds();
        byte[] parent = TransferIds.genesisId("omni");
        byte[] id = new byte[TransferBatch.ID_SIZE];
        StringBuilder body = new StringBuilder("[");
        long timestamp = System.currentTimeMillis();
        for (int i = 0; i < accountCount; i++) {
            long receiver = accountBase + i;
            ids.computeId(0, receiver, MINT_AMOUNT, i + 1, timestamp, parent, 0, 1, parent, 0, 0, id, 0);
            append(body.append(i == 0 ? "" : ","), 0, receiver, MINT_AMOUNT, i + 1, timestamp, parent, 0, null, 0);
            parent = id.clone();
        }
        Answer answer = post(body.append(']').toString().getBytes());
        if (answer.status != 200 || countOf(answer.body, 2) != 0) {
            throw new AssertionError("mint failed: " + answer.status + " " + answer.body.substring(0, Math.min(400, answer.body.length())));
        }
        mintTip = parent;
    }

    private final List<Worker> workers = new ArrayList<>();

    Worker worker(int index, int workerCount) {
        Worker worker = new Worker(index, workerCount);
        workers.add(worker);
        return worker;
    }

    /**
     * Opens {@code store} (the node must be stopped) and checks that it holds the mint plus every transfer the
     * workers sent, each acknowledged one at its acknowledged position, and that the store's audit is clean.
     */
    void verifyStored(Store store) throws StoreException {
        store.open("omni");
        ReferenceAudit audit = ReferenceAudit.of(store, "omni");
        long sent = accountCount;
        for (Worker worker : workers) {
            sent += worker.sentCount;
        }
        assertEquals(sent, store.lastPosition(), "stored transfers: the mint plus every transfer sent");
        LedgerAudit.Report report = new LedgerAudit(store, "omni", 2).run((checked, total) -> { });
        assertEquals(true, report.clean(), "omni audit: " + report);
        for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
            assertEquals(e.getValue(), audit.positions.get(e.getKey()), "position of acknowledged " + e.getKey());
        }
    }

    static void append(StringBuilder body, long sender, long receiver, long amount, long seq, long timestamp,
                       byte[] a, int aOffset, byte[] b, int bOffset) {
        body.append("{\"sender\":").append(sender).append(",\"receiver\":").append(receiver)
                .append(",\"amount\":").append(amount).append(",\"seq\":").append(seq)
                .append(",\"timestamp\":").append(timestamp).append(",\"parents\":[\"")
                .append(HexFormat.of().formatHex(a, aOffset, aOffset + TransferBatch.ID_SIZE)).append('"');
        if (b != null) {
            body.append(",\"").append(HexFormat.of().formatHex(b, bOffset, bOffset + TransferBatch.ID_SIZE)).append('"');
        }
        body.append("]}");
    }

    static long countOf(String answer, int group) {
        Matcher m = COUNTS.matcher(answer);
        if (!m.lookingAt()) {
            throw new AssertionError("not a transactions answer: " + answer);
        }
        return Long.parseLong(m.group(group));
    }

    /** Sends batches of transfers from the senders {@code index, index + workerCount, ...}. */
    final class Worker {
        private final int index;
        private final int workerCount;
        private final long[] seqs;
        private final TransferIds ids = new TransferIds();
        private byte[] lastId;
        private long lastTimestamp;
        private int nextSender;
        /** The batch sent but not acknowledged: resubmitted identically until it is. */
        private byte[] pendingBody;
        private byte[] pendingIds;
        private int pendingCount;
        long sentCount;
        /** The answer to the last POST, for the checks and messages of fault tests. */
        private volatile Answer lastAnswer;

        Worker(int index, int workerCount) {
            this.index = index;
            this.workerCount = workerCount;
            this.seqs = new long[accountCount];
            this.lastId = mintTip;
            this.nextSender = index;
        }

        boolean hasPending() {
            return pendingBody != null;
        }

        Answer lastAnswer() {
            return lastAnswer;
        }

        String lastRetryAfter() {
            Answer answer = lastAnswer;
            return answer == null ? null : answer.retryAfter();
        }

        /** Sends the pending batch, or a new one of {@code count} transfers; every item must succeed. */
        Outcome send(int count, SplittableRandom random) throws InterruptedException {
            if (pendingBody == null) {
                build(count, random);
            }
            Answer answer = post(pendingBody);
            lastAnswer = answer;
            if (answer.status == 503) {
                return Outcome.UNAVAILABLE;
            }
            if (answer.status != 200) {
                return Outcome.LOST;
            }
            List<Long> positions = successes(answer.body, pendingCount);
            synchronized (acknowledged) {
                for (int i = 0; i < pendingCount; i++) {
                    acknowledged.put(HexFormat.of().formatHex(pendingIds, i * TransferBatch.ID_SIZE, i * TransferBatch.ID_SIZE + TransferBatch.ID_SIZE),
                            positions.get(i));
                }
            }
            lastId = Arrays.copyOfRange(pendingIds, (pendingCount - 1) * TransferBatch.ID_SIZE,
                    pendingCount * TransferBatch.ID_SIZE);
            sentCount += pendingCount;
            pendingBody = null;
            return Outcome.ACKNOWLEDGED;
        }

        private void build(int count, SplittableRandom random) {
            pendingIds = new byte[count * TransferBatch.ID_SIZE];
            pendingCount = count;
            long timestamp = Math.max(lastTimestamp, System.currentTimeMillis());
            lastTimestamp = timestamp;
            byte[] parents = new byte[2 * TransferBatch.ID_SIZE];
            StringBuilder body = new StringBuilder(count * 240).append('[');
            for (int i = 0; i < count; i++) {
                int senderIndex = nextSender;
                nextSender = nextSender + workerCount < accountCount ? nextSender + workerCount : index;
                int receiverIndex = random.nextInt(accountCount - 1);
                receiverIndex += receiverIndex >= senderIndex ? 1 : 0;
                long sender = accountBase + senderIndex;
                long receiver = accountBase + receiverIndex;
                long amount = 1 + random.nextInt(100);
                long seq = ++seqs[senderIndex];
                System.arraycopy(lastId, 0, parents, 0, TransferBatch.ID_SIZE);
                if (i > 0) {
                    System.arraycopy(pendingIds, (i - 1) * TransferBatch.ID_SIZE, parents, TransferBatch.ID_SIZE,
                            TransferBatch.ID_SIZE);
                }
                ids.computeId(sender, receiver, amount, seq, timestamp, parents, 0, i > 0 ? 2 : 1, parents, 0, 0,
                        pendingIds, i * TransferBatch.ID_SIZE);
                append(body.append(i == 0 ? "" : ","), sender, receiver, amount, seq, timestamp, lastId, 0,
                        i > 0 ? pendingIds : null, (i - 1) * TransferBatch.ID_SIZE);
            }
            pendingBody = body.append(']').toString().getBytes();
        }
    }

    /** Positions of an answer whose every item must be accepted or exists (in item order). */
    static List<Long> successes(String answer, int count) {
        List<Long> positions = new ArrayList<>(count);
        Matcher m = RESULT.matcher(answer);
        while (m.find()) {
            String result = m.group(1);
            if (!result.equals("accepted") && !result.equals("exists")) {
                throw new AssertionError("item " + positions.size() + " answered " + result + ": "
                        + answer.substring(0, Math.min(400, answer.length())));
            }
            positions.add(Long.parseLong(m.group(2)));
        }
        if (positions.size() != count) {
            throw new AssertionError(count + " items sent, " + positions.size() + " results: " + answer);
        }
        return positions;
    }

    /** Sum of the balances of the issuer and every account of this client, through the API. */
    long balanceSum() throws IOException, InterruptedException {
        long sum = balance(0);
        for (int i = 0; i < accountCount; i++) {
            sum += balance(accountBase + i);
        }
        return sum;
    }

    private long balance(long account) throws IOException, InterruptedException {
        Answer answer = get("/api/v1/accounts/" + account);
        if (answer.status == 404) {
            return 0;
        }
        Matcher m = Pattern.compile("\"balance\":(-?\\d+)").matcher(answer.body);
        if (answer.status != 200 || !m.find()) {
            throw new AssertionError("GET /accounts/" + account + ": " + answer);
        }
        return Long.parseLong(m.group(1));
    }
}
