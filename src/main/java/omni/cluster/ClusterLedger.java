package omni.cluster;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import omni.gateway.InternalService;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.kernel.StatelessPool;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import omni.ledger.AccountView;
import omni.ledger.BatchSlot;
import omni.ledger.ClusterView;
import omni.ledger.Engine;
import omni.ledger.ForwardedAnswer;
import omni.ledger.HistoryPage;
import omni.ledger.Ledger;
import omni.ledger.LedgerUnavailableException;
import omni.ledger.LocalLedger;
import omni.ledger.NodeView;
import omni.ledger.ProofView;
import omni.ledger.SubmitAnswer;
import omni.ledger.TransferView;
import omni.proof.Checkpoint;
import omni.proof.ProofVerifier;

/**
 * The ledger of a cluster member (docs/cluster.md, "Forwarding"): any member accepts a request, reads it and runs
 * the stateless checks as a node alone does, then sends each item to the owner of its sender's partition
 * ({@link Owners}): its own engine for the partitions it holds, the other members over their internal route
 * ({@link InternalService}) with the cluster secret. Items go in the waves of {@link WavePlan}, so that the
 * answer, every item in request order, holds the results one node validating the request in order gives.
 * Positions are where the cluster committed each item. An owner that answers an item not held (ownership moved)
 * has it routed again after the owner table is reread, at most {@link #ROUND_COUNT_MAX} times; an owner that does
 * not answer is asked again briefly, then the request answers 503, which, as on a node alone, means that some items
 * may have committed: resubmitting the request unchanged answers those {@code exists}.
 *
 * <p>Reads: transfers, histories, tips, checkpoints and proofs come from this member, whose storage every member
 * shares and whose kernel holds the whole DAG. An account comes from this member's kernel when it holds the
 * account's partition, else from its owner's kernel over the internal route: the owner validates that account's
 * transfers, so its balance and seq are the ones the next transfer is checked against.
 */
public final class ClusterLedger implements Ledger, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterLedger.class.getName());
    /**
     * Requests this member reads and forwards at once, each holding a slot of about 2.3 MB (a batch of 10,000 items
     * and its buffers) while its waves are answered. The owners' engines bound what is committed at once
     * ({@link Engine#BATCH_POOL_SIZE} each); 16 keeps a member's forwarding within a third of that pool's heap and,
     * at a few milliseconds a wave, forwards thousands of requests a second. A request finding none free within
     * {@link Engine#ACQUIRE_WAIT_MS} answers 503. Kept apart from the engine's slots: a forwarding request never
     * holds an engine slot while it waits for another member, so two members forwarding to each other cannot
     * hold each other's slots.
     */
    public static final int FORWARD_SLOT_COUNT = 16;
    /**
     * Times the items of a request are routed: once, and again after an owner answered some of them not held.
     * Ownership moves when members join or leave, a few times a minute at most, so a request meeting more than a
     * few moves in its few milliseconds meets a cluster that is not settling: 503.
     */
    static final int ROUND_COUNT_MAX = 5;
    /** Attempts to reach one owner for one forward (or account read) before the request answers 503. */
    static final int ATTEMPT_COUNT_MAX = 3;
    /** Pause after a failed attempt, times the attempt number: 100, 200 ms, covering a member's brief pause. */
    static final long RETRY_PAUSE_MS = 100;
    /**
     * How long a request waits for a partition without an owner (moving: released, not claimed yet): a claim
     * takes one group commit of the new owner, milliseconds; 2 s covers a member taking over many partitions.
     */
    static final long UNOWNED_WAIT_MS_MAX = 2_000;
    private static final long UNOWNED_POLL_MS = 50;
    /** An owner answers once its engine has, within {@link Engine#SLOT_AWAIT_MS}; 5 s more covers the network. */
    static final Duration FORWARD_TIMEOUT = Duration.ofMillis(Engine.SLOT_AWAIT_MS + 5_000);
    /**
     * While a forward is awaited, the owner table is looked at this often: a takeover of a paused owner's
     * partitions is followed within this (plus the table's own refresh, every second) instead of the forward's
     * whole timeout.
     */
    static final long OWNER_LOOK_MS = 250;
    /** A member that does not accept a connection in 2 s is down or cut off. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** A forward body stays under what an owner's gateway reads in one request. */
    static final int FORWARD_BODY_SIZE_MAX = Ledger.BODY_SIZE_MAX;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code omni_forwarded_transfers_total}: items this member sent to another member to validate. */
    private final Counter forwarded = Metrics.globalRegistry().getOrCreate(Counter.builder("omni_forwarded_transfers")
            .description("Transfers this member forwarded to the member owning their sender's partition"));

    private final LocalLedger local;
    private final Owners owners;
    private final String secret;
    private final Supplier<ClusterView> cluster;
    private final HttpClient http;
    private final StatelessPool stateless;
    private final ArrayBlockingQueue<Forward> freeForwards = new ArrayBlockingQueue<>(FORWARD_SLOT_COUNT);

    /**
     * @param local   this member's own ledger (its engine validates the partitions it holds)
     * @param owners  who holds each partition
     * @param secret  the cluster secret, the same on every member, sent on every internal call
     * @param cluster the answer of {@link #cluster()}: members, owners and ring
     * @param trust   null when the members serve plain HTTP; with TLS, the certificates a member's gateway is
     *                trusted by (docs/operations.md, "TLS between members")
     */
    public ClusterLedger(LocalLedger local, Owners owners, String secret, Supplier<ClusterView> cluster,
                         SSLContext trust) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("a cluster member needs the cluster secret to forward");
        }
        this.local = local;
        this.owners = owners;
        this.secret = secret;
        this.cluster = cluster;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1);
        if (trust != null) {
            client.sslContext(trust);
        }
        this.http = client.build();
        int cores = Runtime.getRuntime().availableProcessors();
        this.stateless = new StatelessPool(cores, StatelessPool.CHUNK_ITEM_COUNT, FORWARD_SLOT_COUNT * 4);
        for (int i = 0; i < FORWARD_SLOT_COUNT; i++) {
            freeForwards.add(new Forward());
        }
    }

    // ---- write -------------------------------------------------------------------------------------------

    @Override
    public void submit(InputStream body, long declaredSize, boolean ndjson, boolean issuerAllowed, AnswerSink answer)
            throws IOException {
        LocalLedger.checkDeclaredSize(declaredSize);
        Forward forward = acquireForward();
        try {
            BatchSlot slot = forward.slot;
            LocalLedger.readBody(body, slot);
            LocalLedger.parse(slot, ndjson);
            stateless.validate(slot.batch, issuerAllowed, System.currentTimeMillis(), forward.ids);
            route(forward, issuerAllowed);
            int size = SubmitAnswer.encode(slot);
            answer.send(slot.response, 0, size);
        } finally {
            if (!freeForwards.offer(forward)) {
                throw new IllegalStateException("forward slot released twice: " + freeForwards.size() + " free");
            }
        }
    }

    private Forward acquireForward() {
        try {
            Forward forward = freeForwards.poll(Engine.ACQUIRE_WAIT_MS, TimeUnit.MILLISECONDS);
            if (forward == null) {
                throw new LedgerUnavailableException("all " + FORWARD_SLOT_COUNT + " forwarding slots are busy;"
                        + " retry shortly");
            }
            forward.slot.bodySize = 0;
            forward.slot.batch.clear();
            return forward;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while waiting for a forwarding slot");
        }
    }

    /**
     * Decides every item that passed the stateless checks: rounds of planning and sending waves, a new round
     * after an owner answered items not held. On return every item holds its result.
     */
    private void route(Forward forward, boolean issuerAllowed) {
        TransferBatch batch = forward.slot.batch;
        int pendingCount = 0;
        for (int i = 0; i < batch.count; i++) {
            if (batch.result[i] == Result.ACCEPTED.code()) {
                forward.pending[pendingCount++] = i;
            }
        }
        for (int round = 0; round < ROUND_COUNT_MAX && pendingCount > 0; round++) {
            if (round > 0) {
                owners.refresh();
            }
            Round plan = plan(forward, pendingCount);
            for (int wave = 0; wave <= plan.lastWave; wave++) {
                if (!sendWave(forward, plan, wave, issuerAllowed)) {
                    break;
                }
            }
            int kept = 0;
            for (int k = 0; k < pendingCount; k++) {
                int i = forward.pending[k];
                if (batch.result[i] == Kernel.NOT_HELD) {
                    batch.result[i] = Result.ACCEPTED.code();
                    forward.pending[kept++] = i;
                }
            }
            pendingCount = kept;
        }
        if (pendingCount > 0) {
            throw new LedgerUnavailableException(pendingCount + " items found no owner holding their partition after "
                    + ROUND_COUNT_MAX + " routings (partitions are moving); earlier items may have committed: "
                    + "resubmit the request unchanged, they answer exists");
        }
    }

    /** The owner and wave of every pending item; each item is marked not held until an owner decides it. */
    private Round plan(Forward forward, int pendingCount) {
        TransferBatch batch = forward.slot.batch;
        List<Owners.Owner> members = new ArrayList<>();
        for (int k = 0; k < pendingCount; k++) {
            int i = forward.pending[k];
            Owners.Owner owner = ownerOf(HazelcastPartitioning.partitionOf(batch.sender[i]));
            int index = indexOfMember(members, owner);
            if (index < 0) {
                index = members.size();
                members.add(owner);
            }
            forward.ownerIndex[k] = index;
        }
        WavePlan waves = new WavePlan(pendingCount, batch.parentsSize / TransferBatch.ID_SIZE, members.size());
        int lastWave = 0;
        for (int k = 0; k < pendingCount; k++) {
            int i = forward.pending[k];
            forward.wave[k] = waves.waveOf(batch, i, forward.ownerIndex[k]);
            lastWave = Math.max(lastWave, forward.wave[k]);
            batch.result[i] = Kernel.NOT_HELD;
        }
        return new Round(members, pendingCount, lastWave);
    }

    private static int indexOfMember(List<Owners.Owner> members, Owners.Owner owner) {
        for (int m = 0; m < members.size(); m++) {
            if (members.get(m).memberId().equals(owner.memberId())) {
                return m;
            }
        }
        return -1;
    }

    /** The owner of a partition; one that is moving (no owner) is waited for, up to UNOWNED_WAIT_MS_MAX. */
    private Owners.Owner ownerOf(int partition) {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNOWNED_WAIT_MS_MAX);
        while (true) {
            Owners.Owner owner = owners.ownerOf(partition);
            if (owner != null) {
                return owner;
            }
            if (System.nanoTime() > deadlineNs) {
                throw new LedgerUnavailableException("partition " + partition + " has had no owner for "
                        + UNOWNED_WAIT_MS_MAX + " ms (moving between members); retry shortly");
            }
            pause(UNOWNED_POLL_MS);
            owners.refresh();
        }
    }

    /**
     * Sends every owner its items of {@code wave}, all owners at once (this thread takes the first, a virtual
     * thread each other one), and waits for all of them, so that no thread still writes into the slot when this
     * returns or throws. False when some item came back not held: the rest of the round is planned again.
     */
    private boolean sendWave(Forward forward, Round plan, int wave, boolean issuerAllowed) {
        List<Thread> threads = new ArrayList<>();
        Throwable[] failures = new Throwable[plan.members.size()];
        int first = -1;
        for (int m = 0; m < plan.members.size(); m++) {
            if (!hasItems(forward, plan, wave, m)) {
                continue;
            }
            if (first < 0) {
                first = m;
                continue;
            }
            int member = m;
            threads.add(Thread.ofVirtual().name("omni-forward-" + member).start(() -> {
                try {
                    sendGroup(forward, plan, wave, member, issuerAllowed);
                } catch (RuntimeException | Error e) {
                    failures[member] = e;
                }
            }));
        }
        try {
            if (first >= 0) {
                sendGroup(forward, plan, wave, first, issuerAllowed);
            }
        } finally {
            joinAll(threads);
        }
        for (Throwable failure : failures) {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
        }
        TransferBatch batch = forward.slot.batch;
        for (int k = 0; k < plan.pendingCount; k++) {
            if (forward.wave[k] == wave && batch.result[forward.pending[k]] == Kernel.NOT_HELD) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasItems(Forward forward, Round plan, int wave, int member) {
        for (int k = 0; k < plan.pendingCount; k++) {
            if (forward.wave[k] == wave && forward.ownerIndex[k] == member) {
                return true;
            }
        }
        return false;
    }

    /** Waits for every forwarding thread, even when interrupted: they write into the slot. */
    private static void joinAll(List<Thread> threads) {
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One owner's items of one wave, in request order, as NDJSON bodies of at most FORWARD_BODY_SIZE_MAX bytes
     * sent one after the other; stops after a body that came back with an item not held.
     */
    private void sendGroup(Forward forward, Round plan, int wave, int member, boolean issuerAllowed) {
        TransferBatch batch = forward.slot.batch;
        Owners.Owner owner = plan.members.get(member);
        ItemLines lines = new ItemLines();
        int[] items = new int[plan.pendingCount];
        int itemCount = 0;
        for (int k = 0; k < plan.pendingCount; k++) {
            if (forward.wave[k] != wave || forward.ownerIndex[k] != member) {
                continue;
            }
            if (lines.size() + ItemLines.LINE_SIZE_MAX > FORWARD_BODY_SIZE_MAX && itemCount > 0) {
                if (!sendBody(owner, lines, items, itemCount, batch, issuerAllowed)) {
                    return;
                }
                lines = new ItemLines();
                itemCount = 0;
            }
            int i = forward.pending[k];
            lines.add(batch, i);
            items[itemCount++] = i;
        }
        if (itemCount > 0) {
            sendBody(owner, lines, items, itemCount, batch, issuerAllowed);
        }
    }

    /**
     * Forwards one body, the lines of request items {@code items[0, itemCount)}, to its owner and records their
     * results; false when an item came back not held.
     */
    private boolean sendBody(Owners.Owner owner, ItemLines lines, int[] items, int itemCount, TransferBatch batch,
                             boolean issuerAllowed) {
        byte[] results = new byte[itemCount];
        long[] positions = new long[itemCount];
        int count = owner.local() ? forwardLocally(lines, issuerAllowed, results, positions)
                : forwardRemotely(owner, lines, issuerAllowed, results, positions,
                        () -> ownerMoved(owner, items, itemCount, batch));
        if (count != itemCount) {
            throw new LedgerUnavailableException(answerFailed(owner, "answered " + count + " results for "
                    + itemCount + " items"));
        }
        boolean allDecided = true;
        for (int k = 0; k < count; k++) {
            int i = items[k];
            batch.result[i] = results[k];
            batch.position[i] = positions[k];
            allDecided &= results[k] != Kernel.NOT_HELD;
        }
        return allDecided;
    }

    private int forwardLocally(ItemLines lines, boolean issuerAllowed, byte[] results, long[] positions) {
        int[] count = {-1};
        try {
            local.submitForwarded(new ByteArrayInputStream(lines.bytes(), 0, lines.size()), lines.size(),
                    issuerAllowed, (json, offset, size) -> count[0] = ForwardedAnswer.parse(json, offset, size,
                            results, positions));
        } catch (IOException e) {
            throw new IllegalStateException("this member's own forwarded answer does not read back", e);
        }
        return count[0];
    }

    /** POSTs the body, asking again after a failure to connect or a 503, up to ATTEMPT_COUNT_MAX times. */
    /** Whether the owner table no longer names {@code owner} for the sender of one of the items. */
    private boolean ownerMoved(Owners.Owner owner, int[] items, int itemCount, TransferBatch batch) {
        for (int k = 0; k < itemCount; k++) {
            Owners.Owner now = owners.ownerOf(HazelcastPartitioning.partitionOf(batch.sender[items[k]]));
            if (now == null || !now.memberId().equals(owner.memberId())) {
                return true;
            }
        }
        return false;
    }

    /**
     * POSTs the body and parses the answer. When the owner table moves one of the items' partitions away from
     * {@code owner} while it is asked (it was paused or cut off, and another member took over), the call is given
     * up and every item answers not held, to be routed to the new owner: that is safe, since the old owner can no
     * longer commit them (its epoch is gone), and what it did commit before the takeover the new owner answers
     * exists.
     */
    private int forwardRemotely(Owners.Owner owner, ItemLines lines, boolean issuerAllowed, byte[] results,
                                long[] positions, BooleanSupplier moved) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(owner.apiUrl() + InternalService.TRANSFERS_PATH))
                .timeout(FORWARD_TIMEOUT)
                .header(InternalService.SECRET_HEADER, secret)
                .header(InternalService.ISSUER_ALLOWED_HEADER, Boolean.toString(issuerAllowed))
                .header("Content-Type", InternalService.NDJSON)
                .POST(HttpRequest.BodyPublishers.ofByteArray(lines.bytes(), 0, lines.size()))
                .build();
        HttpResponse<byte[]> response = exchange(owner, request, moved);
        if (response == null) {
            Arrays.fill(results, Kernel.NOT_HELD);
            Arrays.fill(positions, -1);
            return results.length;
        }
        forwarded.increment(results.length);
        try {
            return ForwardedAnswer.parse(response.body(), 0, response.body().length, results, positions);
        } catch (IOException e) {
            throw new LedgerUnavailableException(answerFailed(owner, e.getMessage()));
        }
    }

    /**
     * One internal call with its retries: a failure to connect or an answer lost on the way (the owner may have
     * committed: the same items sent again answer exists), or a 503, is asked again; any answer other than 200, 404
     * and 421 means the members disagree (secret, version) and is not.
     */
    private HttpResponse<byte[]> exchange(Owners.Owner owner, HttpRequest request,
                                          BooleanSupplier moved) {
        String lastFailure = null;
        for (int attempt = 1; attempt <= ATTEMPT_COUNT_MAX; attempt++) {
            try {
                HttpResponse<byte[]> response = awaitUnlessMoved(
                        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()), moved);
                if (response == null) {
                    return null;
                }
                int status = response.statusCode();
                if (status == 200 || status == 404 || status == InternalService.NOT_HELD_STATUS) {
                    return response;
                }
                String body = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
                if (status != 503) {
                    LOG.severe(() -> "member " + owner.memberId() + " at " + owner.apiUrl() + " refused an internal"
                            + " call with " + status + ": " + body);
                    throw new LedgerUnavailableException(answerFailed(owner, "refused it with " + status
                            + " (is cluster.secret the same on every member?)"));
                }
                lastFailure = "503 " + body;
            } catch (IOException e) {
                lastFailure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LedgerUnavailableException(answerFailed(owner, "interrupted"));
            }
            if (attempt < ATTEMPT_COUNT_MAX) {
                pause(RETRY_PAUSE_MS * attempt);
                if (moved.getAsBoolean()) {
                    return null;
                }
            }
        }
        String failure = lastFailure;
        LOG.log(Level.WARNING, () -> "member " + owner.memberId() + " at " + owner.apiUrl() + " did not answer "
                + ATTEMPT_COUNT_MAX + " attempts: " + failure);
        throw new LedgerUnavailableException(answerFailed(owner, "did not answer " + ATTEMPT_COUNT_MAX
                + " attempts (" + failure + ")"));
    }

    private static String answerFailed(Owners.Owner owner, String what) {
        return "member " + owner.memberId() + " at " + owner.apiUrl() + " " + what + "; items of the request may"
                + " have committed: resubmit it unchanged, they answer exists";
    }

    /**
     * The answer of a call, or null once {@code moved} says the owner changed while it was awaited (looked at every
     * {@link #OWNER_LOOK_MS}; the call is cancelled then). IOException as {@code send} throws it.
     */
    private static HttpResponse<byte[]> awaitUnlessMoved(CompletableFuture<HttpResponse<byte[]>> call,
                                                         BooleanSupplier moved)
            throws IOException, InterruptedException {
        while (true) {
            try {
                return call.get(OWNER_LOOK_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (moved.getAsBoolean()) {
                    call.cancel(true);
                    return null;
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException("internal call failed", e.getCause());
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while waiting for another member");
        }
    }

    // ---- reads -------------------------------------------------------------------------------------------

    @Override
    public AccountView account(long id) {
        int partition = HazelcastPartitioning.partitionOf(id);
        for (int round = 0; round < ROUND_COUNT_MAX; round++) {
            if (local.holdsAccount(id)) {
                return local.account(id);
            }
            Owners.Owner owner = ownerOf(partition);
            if (!owner.local()) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(owner.apiUrl()
                                + InternalService.ACCOUNTS_PATH + id))
                        .timeout(FORWARD_TIMEOUT).header(InternalService.SECRET_HEADER, secret).GET().build();
                HttpResponse<byte[]> response = exchange(owner, request, () -> false);
                if (response.statusCode() == 200) {
                    return accountOf(owner, response.body());
                }
                if (response.statusCode() == 404) {
                    return null;
                }
            }
            // Owned here by a stale table, or the owner does not hold it any more: ownership moved.
            owners.refresh();
        }
        throw new LedgerUnavailableException("account " + id + ": no member held partition " + partition + " in "
                + ROUND_COUNT_MAX + " tries (partitions are moving); retry shortly");
    }

    private static AccountView accountOf(Owners.Owner owner, byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            return new AccountView(node.get("id").asLong(), node.get("balance").asLong(), node.get("seq").asLong(),
                    node.get("transactions").asLong());
        } catch (IOException | RuntimeException e) {
            throw new LedgerUnavailableException(answerFailed(owner, "answered an account that does not read: " + e));
        }
    }

    @Override
    public HistoryPage history(long account, int limit, long beforePosition) {
        if (local.holdsAccount(account)) {
            return local.history(account, limit, beforePosition);
        }
        return account(account) == null ? null : local.storedHistory(account, limit, beforePosition);
    }

    @Override
    public TransferView transfer(byte[] id) {
        return local.transfer(id);
    }

    @Override
    public List<String> tips(int limit) {
        return local.tips(limit);
    }

    @Override
    public Checkpoint latestCheckpoint() {
        return local.latestCheckpoint();
    }

    @Override
    public Checkpoint checkpoint(long seq) {
        return local.checkpoint(seq);
    }

    @Override
    public List<Checkpoint> checkpoints(long fromSeq, long toSeq) {
        return local.checkpoints(fromSeq, toSeq);
    }

    @Override
    public ProofView proof(byte[] id) {
        return local.proof(id);
    }

    @Override
    public ProofVerifier.Verdict verifyProof(String proofJson) {
        return local.verifyProof(proofJson);
    }

    @Override
    public NodeView node() {
        return local.node();
    }

    @Override
    public ClusterView cluster() {
        return cluster.get();
    }

    @Override
    public String notReadyReason() {
        return local.notReadyReason();
    }

    /** Stops the stateless pool; the HTTP client's connections close with it. */
    @Override
    public void close() throws InterruptedException {
        stateless.close();
        http.close();
    }

    /** One request's forwarding state: its slot (body, batch, answer) and per pending item its owner and wave. */
    private static final class Forward {
        final BatchSlot slot = new BatchSlot();
        final TransferIds ids = new TransferIds();
        /** Request indexes of the items not decided yet, in request order. */
        final int[] pending = new int[TransferBatch.ITEM_COUNT_MAX];
        /** Per pending item (same index as pending): its owner in the round's member list, and its wave. */
        final int[] ownerIndex = new int[TransferBatch.ITEM_COUNT_MAX];
        final int[] wave = new int[TransferBatch.ITEM_COUNT_MAX];
    }

    /** The members owning a round's items and the last wave. */
    private record Round(List<Owners.Owner> members, int pendingCount, int lastWave) {
    }
}
