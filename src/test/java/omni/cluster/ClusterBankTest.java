package omni.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import omni.ReliabilityLog;
import omni.cluster.BankHistory.Outcome;
import omni.gateway.InternalService;
import omni.kernel.Kernel;
import omni.ledger.TestDatabases;

/**
 * The bank checker against a cluster of three real member processes on one fresh PostgreSQL database, its clients
 * spread over the three URLs, under the faults a cluster is built for (docs/cluster.md), each at a seeded moment:
 * the third member joins the two running ones under load; a member is killed with SIGKILL ({@link #KILLS} times,
 * the victim seeded) and restarted a few seconds later on the same ports and data directory; a member is paused
 * with SIGSTOP past its lease and the heartbeat timeout ({@link #PAUSES} times), then resumed, and must be fenced
 * and rejoin. The windows in which some partition has no live owner are measured from a survivor's
 * {@code GET /api/v1/cluster} and bounded. Once quiet: the checker's invariants (the history against the tables,
 * every URL's API, {@code omni audit}), every account answered from the kernel of exactly one member, the owner the
 * table names, and equal to the stored fold, and every partition owned by one live member, with every member
 * agreeing on the members and the owner table. Rerun a failure with {@code -Domni.cluster.seed=<seed>}; {@code
 * ./install.sh soak} raises the counts with {@code -Domni.cluster.kills} and {@code -Domni.cluster.pauses}.
 */
class ClusterBankTest {
    private static final int MEMBER_COUNT = 3;
    private static final int KILLS = Integer.getInteger("omni.cluster.kills", 3);
    private static final int PAUSES = Integer.getInteger("omni.cluster.pauses", 1);
    /** Two clients a URL, each starting on its own member; a client moves to the next URL after a failure. */
    private static final int CLIENT_COUNT = 6;
    private static final int SENDERS_PER_CLIENT = 8;
    private static final long ACCOUNT_BASE = 1_000;
    /** An upper bound only: the test ends the load itself once its faults are over ({@link BankChecker#endLoad}). */
    private static final Duration LOAD_MAX = BankChecker.LOAD_MAX;
    /** Load before each fault, after the last one settled: seeded in 2-5 s, long enough for transfers to commit. */
    private static final int FAULT_DELAY_MS_MIN = 2_000;
    private static final int FAULT_DELAY_MS_SPREAD = 3_000;
    /** A killed member stays down 2-5 s (seeded), and at least until its partitions have live owners again. */
    private static final int DOWN_MS_MIN = 2_000;
    private static final int DOWN_MS_SPREAD = 3_000;
    /**
     * From a kill or a pause until every partition has a live owner: failure detection (0.4 s after a kill, the
     * 5 s heartbeat timeout after a pause) plus the 3 s lease, with room for a busy machine.
     */
    private static final long TAKEOVER_MS_MAX = 10_000;
    /**
     * Longer than the lease ({@link MemberLeases#LEASE_MS}) and the heartbeat timeout (5 s) together would need:
     * the paused member is removed and its partitions are claimed before it resumes.
     */
    private static final long PAUSE_MS = 8_000;
    /**
     * From a restart's readiness, a resume or a join until the member holds partitions again and every partition
     * has a live owner: a resumed member is found by a merge (every 5 s, two of them at worst) after its own
     * heartbeat timeout, then the partitions migrate and are claimed; a restarted or joining one is promoted and
     * claims at once. Room for a busy machine on top.
     */
    private static final long REJOIN_MS_MAX = 30_000;
    /**
     * Hazelcast splits the 271 partitions 90/90/91 over three data members, moving them in several steps: a joining
     * member holding nine tenths of a third has taken its share.
     */
    private static final int SHARE_MIN = Kernel.PARTITION_COUNT / MEMBER_COUNT * 9 / 10;
    /** Cluster views are polled this often while a window is measured. */
    private static final long POLL_MS = 100;
    /** The acknowledged count is polled this often to find the gaps in service a fault causes. */
    private static final long ACK_POLL_MS = 50;
    /** Load after the last fault settled, so that the final state includes commits by every member as they are. */
    private static final long TAIL_LOAD_MS = 5_000;
    /**
     * The causes a member logs, once per failed turn, when its turn was ended because it stalled in it while paused
     * holding the head lock (ClusterTables.TURN_IDLE_TIMEOUT_MS): by PostgreSQL between two statements, or by the
     * other members inside a COPY (SharedStore.endStalledTurns). The other way, beside the fence, that a paused
     * member is kept from committing.
     */
    private static final List<String> TURN_ENDED_BY_DATABASE = List.of(
            "PSQLException: FATAL: terminating connection due to idle-in-transaction timeout",
            "PSQLException: FATAL: terminating connection due to administrator command");
    /** Hazelcast's error responses rejected by the deserialization filter: operations then hang for a minute. */
    private static final String REJECTED_BY_FILTER = "filter status: REJECTED";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private String token;
    private String secret;
    private String database;
    private int[] httpPorts;
    private int[] clusterPorts;
    private final List<MemberProcess> members = new ArrayList<>();
    /** OMNI's member id of each member's current incarnation (null while down). */
    private final String[] ids = new String[MEMBER_COUNT];
    private AckWatch acks;

    @Test
    void threeMembersUnderTheBankCheckerKeepEveryPromiseAcrossJoinKillsAndPauses() throws Exception {
        long seed = Long.getLong("omni.cluster.seed", System.nanoTime());
        System.out.println("ClusterBankTest seed=" + seed + " kills=" + KILLS + " pauses=" + PAUSES);
        SplittableRandom random = new SplittableRandom(seed);
        token = hex(random, 32);
        secret = hex(random, 24);
        database = TestDatabases.create("cluster_bank");
        try {
            // One draw for both kinds, so that no HTTP port is also a cluster port.
            int[] ports = MemberProcess.fixedPorts(2 * MEMBER_COUNT);
            httpPorts = Arrays.copyOfRange(ports, 0, MEMBER_COUNT);
            clusterPorts = Arrays.copyOfRange(ports, MEMBER_COUNT, 2 * MEMBER_COUNT);
            List<String> urls = new ArrayList<>();
            for (int port : httpPorts) {
                urls.add("http://127.0.0.1:" + port);
            }
            startMember(0);
            startMember(1);
            long twoMs = awaitOwners("two members share the partitions", 0, REJOIN_MS_MAX,
                    v -> ownedByLive(v) && owned(v, ids[1]) > 0);
            System.out.println("two members hold every partition " + twoMs + " ms after the second was ready");

            BankChecker checker = new BankChecker(new BankChecker.Config(urls, token, TestDatabases.url(database),
                    TestDatabases.USER, "", seed, CLIENT_COUNT, SENDERS_PER_CLIENT, ACCOUNT_BASE, LOAD_MAX));
            checker.setUp();
            checker.start();
            acks = new AckWatch(checker);
            String joined = join(random, checker);
            List<String> killed = new ArrayList<>();
            for (int kill = 1; kill <= KILLS; kill++) {
                killed.add(kill(random, checker, kill));
            }
            List<String> paused = new ArrayList<>();
            for (int pause = 1; pause <= PAUSES; pause++) {
                paused.add(pause(random, checker, pause));
            }
            Thread.sleep(TAIL_LOAD_MS);
            checker.endLoad();
            BankHistory history = checker.awaitQuiet();
            acks.close();
            String held = assertEveryPromiseOnceQuiet(checker);
            recordRows(seed, checker, history, held, joined, killed, paused);
            for (MemberProcess member : members) {
                member.stop();
            }
        } finally {
            if (acks != null) {
                acks.close();
            }
            for (MemberProcess member : members) {
                member.close();
            }
            http.close();
            TestDatabases.drop(database);
        }
    }

    /** Starts member {@code m} in a data directory of its own, with the first member's node key, until ready. */
    private void startMember(int m) throws Exception {
        Path dataDir = Files.createTempDirectory("omni-cluster-bank-" + m);
        if (m > 0) {
            members.getFirst().copyNodeKeyTo(dataDir);
        }
        members.add(MemberProcess.start(dataDir, TestDatabases.url(database), token,
                MemberProcess.clusterSettings(m, httpPorts, clusterPorts, secret)));
        members.get(m).awaitReady();
        ids[m] = awaitOwnId(m);
    }

    /** The checks once quiet; returns what held, for the rows. */
    private String assertEveryPromiseOnceQuiet(BankChecker checker) throws Exception {
        for (MemberProcess member : members) {
            member.assertRunning();
            assertEquals(0, member.logLineCount(REJECTED_BY_FILTER), "Hazelcast responses rejected by the "
                    + "deserialization filter in the log of the member at " + member.url());
        }
        BankVerdict verdict = checker.verify();
        String summary = checker.summary(verdict);
        System.out.println(summary);
        assertTrue(verdict.clean(), summary);
        String owners = assertOneLiveOwnerEach();
        String kernels = assertKernelsEqualTheFold();
        System.out.println("once quiet: " + owners + "; " + kernels);
        return "every acknowledged transfer stored once at its position, positions and seqs contiguous, balances sum"
                + " to 0, the API of every member agrees with the tables, audit clean; " + owners + "; " + kernels;
    }

    /** One row of the reliability table for each kind of fault, with the run's figures. */
    private static void recordRows(long seed, BankChecker checker, BankHistory history, String held, String joined,
                                   List<String> killed, List<String> paused) {
        String figures = history.count(Outcome.OK) + " ok (" + checker.resolvedByExists() + " exists on a resend), "
                + history.count(Outcome.FAILED) + " rejected, " + history.count(Outcome.UNKNOWN) + " unknown";
        String load = CLIENT_COUNT + " clients x " + SENDERS_PER_CLIENT + " senders over 3 URLs, seed " + seed;
        ReliabilityLog.held("Cluster: a member joins two under the bank checker",
                "three members on one PostgreSQL, the third started under load; " + load,
                joined + "; " + figures + "; " + held);
        ReliabilityLog.held("Cluster: kill -9 of a member under the bank checker",
                KILLS + " kills of a seeded member, each restarted after 2-5 s; " + load,
                String.join("; ", killed) + "; " + figures + "; " + held);
        ReliabilityLog.held("Cluster: SIGSTOP of a member past its lease under the bank checker",
                (PAUSES == 1 ? "a pause" : PAUSES + " pauses") + " of " + PAUSE_MS + " ms (lease "
                        + MemberLeases.LEASE_MS + " ms, heartbeat timeout 5 s), then SIGCONT; " + load,
                String.join("; ", paused) + "; " + figures + "; " + held);
    }

    /** The third member starts under load and must take a share of the partitions. */
    private String join(SplittableRandom random, BankChecker checker) throws Exception {
        Thread.sleep(FAULT_DELAY_MS_MIN + random.nextInt(FAULT_DELAY_MS_SPREAD));
        long before = checker.acknowledgedTransfers();
        assertThat("transfers acknowledged by two members before the third joins", before, greaterThan(0L));
        long startNs = System.nanoTime();
        startMember(2);
        long readyMs = msSince(startNs);
        long ownsMs = awaitOwners("the joining member holds partitions", 0, REJOIN_MS_MAX,
                v -> ownedByLive(v) && owned(v, ids[2]) > 0);
        long shareMs = awaitOwners("the joining member holds its share of the partitions", 0, REJOIN_MS_MAX,
                v -> ownedByLive(v) && owned(v, ids[2]) >= SHARE_MIN);
        JsonNode view = view(0);
        String figures = String.format("join: ready %d ms after start, holding partitions %d ms later and %d of them"
                        + " %d ms later (split %d/%d/%d), %d transfers acknowledged before it, longest gap between"
                        + " acknowledgements %d ms", readyMs, ownsMs, owned(view, ids[2]), shareMs, owned(view, ids[0]),
                owned(view, ids[1]), owned(view, ids[2]), before, acks.longestGapMs(startNs, System.nanoTime()));
        System.out.println(figures);
        assertThat("ms from ready until the joining member holds partitions", ownsMs, lessThanOrEqualTo(REJOIN_MS_MAX));
        return figures;
    }

    /**
     * SIGKILL of a seeded member; the window until every partition has a live owner again, read on a survivor;
     * the restart after 2-5 s and the time until the new incarnation holds partitions again.
     */
    private String kill(SplittableRandom random, BankChecker checker, int kill) throws Exception {
        Thread.sleep(FAULT_DELAY_MS_MIN + random.nextInt(FAULT_DELAY_MS_SPREAD));
        int victim = random.nextInt(MEMBER_COUNT);
        int survivor = (victim + 1) % MEMBER_COUNT;
        int downMs = DOWN_MS_MIN + random.nextInt(DOWN_MS_SPREAD);
        long acknowledged = checker.acknowledgedTransfers();
        int held = owned(view(survivor), ids[victim]);
        members.get(victim).kill();
        long killedNs = System.nanoTime();
        ids[victim] = null;
        long takeoverMs = awaitOwners("every partition of the killed member " + victim + " has a live owner",
                survivor, TAKEOVER_MS_MAX, this::ownedByLive);
        Thread.sleep(Math.max(0, downMs - msSince(killedNs)));
        long restartNs = System.nanoTime();
        members.get(victim).restart();
        long readyMs = msSince(restartNs);
        ids[victim] = awaitOwnId(victim);
        long backMs = awaitOwners("the restarted member " + victim + " holds partitions again", survivor,
                REJOIN_MS_MAX, v -> ownedByLive(v) && owned(v, ids[victim]) > 0);
        long gapMs = acks.longestGapMs(killedNs, System.nanoTime());
        String figures = String.format("kill %d of member %d (%d partitions, %d transfers acknowledged): every partition"
                        + " live-owned %d ms after the kill; restarted after %d ms down, ready %d ms later, holding"
                        + " partitions %d ms after that; longest gap between acknowledgements %d ms", kill, victim,
                held, acknowledged, takeoverMs, (restartNs - killedNs) / 1_000_000, readyMs, backMs, gapMs);
        System.out.println(figures);
        assertThat("ms from kill " + kill + " until every partition had a live owner", takeoverMs,
                lessThanOrEqualTo(TAKEOVER_MS_MAX));
        assertThat("ms from the restart's readiness after kill " + kill + " until it held partitions", backMs,
                lessThanOrEqualTo(REJOIN_MS_MAX));
        return String.format("kill %d: partitions live-owned after %.1f s, no acknowledgement for %.1f s at most",
                kill, takeoverMs / 1000.0, gapMs / 1000.0);
    }

    /**
     * SIGSTOP of a seeded member for {@link #PAUSE_MS}: the others must hold all its partitions before it resumes
     * (every commit it still tries is then refused by the fence, whatever it believes), the load must go on
     * without it, and after SIGCONT it must rejoin and hold partitions again.
     */
    private String pause(SplittableRandom random, BankChecker checker, int pause) throws Exception {
        Thread.sleep(FAULT_DELAY_MS_MIN + random.nextInt(FAULT_DELAY_MS_SPREAD));
        int victim = random.nextInt(MEMBER_COUNT);
        int survivor = (victim + 1) % MEMBER_COUNT;
        MemberProcess member = members.get(victim);
        String victimId = ids[victim];
        int held = owned(view(survivor), victimId);
        long fencedBefore = metric(victim, "omni_fenced_commits_total");
        long endedBefore = turnsEnded(member);
        member.pause();
        long pausedNs = System.nanoTime();
        ids[victim] = null;
        long takeoverMs = awaitOwners("every partition of the paused member " + victim + " has a live owner",
                survivor, TAKEOVER_MS_MAX, this::ownedByLive);
        long acknowledgedAtTakeover = checker.acknowledgedTransfers();
        Thread.sleep(Math.max(0, PAUSE_MS - msSince(pausedNs)));
        long acknowledgedWhilePaused = checker.acknowledgedTransfers() - acknowledgedAtTakeover;
        long pausedMs = msSince(pausedNs);
        member.resume();
        long resumedNs = System.nanoTime();
        ids[victim] = victimId;
        long backMs = awaitOwners("the resumed member " + victim + " holds partitions again", survivor,
                REJOIN_MS_MAX, v -> ownedByLive(v) && owned(v, victimId) > 0);
        member.assertRunning();
        long fenced = metric(victim, "omni_fenced_commits_total") - fencedBefore;
        long ended = turnsEnded(member) - endedBefore;
        long gapMs = acks.longestGapMs(pausedNs, System.nanoTime());
        String figures = String.format("pause %d of member %d for %d ms (%d partitions): every partition live-owned %d"
                        + " ms after SIGSTOP; %d transfers acknowledged by the others after that, while it was"
                        + " stopped; after SIGCONT %d of its group commits fenced and %d of its turns found ended by"
                        + " PostgreSQL; holding partitions again %d ms after SIGCONT; longest gap between"
                        + " acknowledgements %d ms", pause, victim, pausedMs, held, takeoverMs, acknowledgedWhilePaused,
                fenced, ended, backMs, gapMs);
        System.out.println(figures);
        assertThat("ms from pause " + pause + " until every partition had a live owner", takeoverMs,
                lessThanOrEqualTo(TAKEOVER_MS_MAX));
        assertThat("ms from SIGCONT of pause " + pause + " until the member held partitions again", backMs,
                lessThanOrEqualTo(REJOIN_MS_MAX));
        return String.format("pause %d: partitions live-owned after %.1f s; after SIGCONT %d group commits of the paused"
                        + " member fenced, %d of its turns found ended by PostgreSQL, holding partitions again %.1f s"
                        + " later; no acknowledgement for %.1f s at most", pause, takeoverMs / 1000.0, fenced, ended,
                backMs / 1000.0, gapMs / 1000.0);
    }

    /**
     * Once quiet: the owner table holds every partition for a member that is up, every member lists the same three
     * members (active, each holding some partitions) and the same owners and epochs, and the table read directly
     * agrees with them.
     */
    private String assertOneLiveOwnerEach() throws Exception {
        Set<String> live = liveIds();
        assertEquals(MEMBER_COUNT, live.size(), "three members up: " + live);
        JsonNode reference = null;
        for (int m = 0; m < MEMBER_COUNT; m++) {
            int member = m;
            awaitOwners("member " + m + " sees every partition live-owned and three active members", m,
                    REJOIN_MS_MAX, v -> ownedByLive(v) && activeMembers(v).equals(live));
            JsonNode view = view(m);
            if (reference == null) {
                reference = view.path("partitions");
            }
            assertEquals(reference, view.path("partitions"), "member " + member + "'s owner table");
        }
        Map<String, Integer> split = new HashMap<>();
        try (Connection c = TestDatabases.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT partition, member, epoch FROM partition_owners ORDER BY partition")) {
            int count = 0;
            while (rs.next()) {
                String owner = rs.getString(2);
                assertTrue(live.contains(owner), "partition " + rs.getInt(1) + " owned by " + owner + ", live " + live);
                JsonNode shown = reference.get(count);
                assertEquals(rs.getInt(1), shown.path("id").asInt());
                assertEquals(owner, shown.path("owner").asText());
                assertEquals(rs.getLong(3), shown.path("epoch").asLong());
                split.merge(owner, 1, Integer::sum);
                count++;
            }
            assertEquals(Kernel.PARTITION_COUNT, count, "rows of partition_owners");
        }
        for (String id : live) {
            assertThat("partitions of member " + id, split.getOrDefault(id, 0), greaterThan(0));
        }
        List<Integer> shares = new ArrayList<>();
        for (String id : ids) {
            shares.add(split.get(id));
        }
        return "all " + Kernel.PARTITION_COUNT + " partitions owned by live members (" + shares.get(0) + "/"
                + shares.get(1) + "/" + shares.get(2) + "), every member's view the same";
    }

    /**
     * Once quiet: every member's kernel, read through the internal route (which answers from the member's own kernel
     * and never forwards), answers each account with the balance and seq of the stored fold. A member's kernel
     * keeps every partition's accounts (docs/cluster.md), so every member answers; a kernel that does not hold an
     * account's partition would answer 421, which is allowed for any member but the partition's owner.
     */
    private String assertKernelsEqualTheFold() throws Exception {
        StoredLedger ledger = StoredLedger.read(TestDatabases.url(database), TestDatabases.USER, "");
        JsonNode partitions = view(0).path("partitions");
        int[] answered = new int[MEMBER_COUNT];
        List<Long> accounts = new ArrayList<>();
        accounts.add(0L);
        for (int i = 0; i < CLIENT_COUNT * SENDERS_PER_CLIENT; i++) {
            accounts.add(ACCOUNT_BASE + i);
        }
        for (long account : accounts) {
            StoredLedger.Balance stored = ledger.balances.get(account);
            String owner = partitions.get(HazelcastPartitioning.partitionOf(account)).path("owner").asText();
            for (int m = 0; m < MEMBER_COUNT; m++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(members.get(m).url()
                                + InternalService.ACCOUNTS_PATH + account)).header(InternalService.SECRET_HEADER, secret)
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == InternalService.NOT_HELD_STATUS && !owner.equals(ids[m])) {
                    continue;
                }
                assertEquals(200, r.statusCode(), "member " + m + " (owner " + owner.equals(ids[m]) + ") on account "
                        + account + ": " + r.body());
                JsonNode answer = JSON.readTree(r.body());
                assertEquals(stored.balance(), answer.path("balance").asLong(), "balance of " + account + " in member "
                        + m + "'s kernel (" + r.body() + ")");
                assertEquals(stored.seq(), answer.path("seq").asLong(), "seq of " + account + " in member " + m
                        + "'s kernel (" + r.body() + ")");
                answered[m]++;
            }
        }
        return "every member's kernel equal to the stored fold (" + answered[0] + "/" + answered[1] + "/"
                + answered[2] + " of " + accounts.size() + " accounts held and compared)";
    }

    private boolean ownedByLive(JsonNode view) {
        Set<String> live = liveIds();
        JsonNode partitions = view.path("partitions");
        if (partitions.size() != Kernel.PARTITION_COUNT) {
            return false;
        }
        for (JsonNode partition : partitions) {
            if (!live.contains(partition.path("owner").asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static int owned(JsonNode view, String id) {
        int count = 0;
        for (JsonNode partition : view.path("partitions")) {
            if (partition.path("owner").asText("").equals(id)) {
                count++;
            }
        }
        return count;
    }

    private static Set<String> activeMembers(JsonNode view) {
        Set<String> active = new HashSet<>();
        for (JsonNode member : view.path("members")) {
            if (member.path("state").asText().equals("active")) {
                active.add(member.path("id").asText());
            }
        }
        return active;
    }

    private Set<String> liveIds() {
        Set<String> live = new HashSet<>();
        for (String id : ids) {
            if (id != null) {
                live.add(id);
            }
        }
        return live;
    }

    /**
     * Polls member {@code m}'s cluster view until {@code done} holds; returns the ms it took. Fails with the last
     * view after {@code boundMs} plus as long again (so a slow window is reported with its figure, not a timeout).
     */
    private long awaitOwners(String what, int m, long boundMs, Predicate<JsonNode> done) throws Exception {
        long startNs = System.nanoTime();
        JsonNode last = null;
        String problem = null;
        while (msSince(startNs) < 2 * boundMs) {
            try {
                last = view(m);
                if (done.test(last)) {
                    return msSince(startNs);
                }
            } catch (IOException e) {
                problem = e.toString();
            }
            Thread.sleep(POLL_MS);
        }
        throw new AssertionError(what + ": not within " + 2 * boundMs + " ms; live " + liveIds() + "; last view "
                + (last == null ? problem : last.path("members") + " owners " + owners(last)) + "\n"
                + members.get(m).tail());
    }

    private static long turnsEnded(MemberProcess member) throws IOException {
        long ended = 0;
        for (String cause : TURN_ENDED_BY_DATABASE) {
            ended += member.logLineCount(cause);
        }
        return ended;
    }

    /** Owner id -> partitions, for a failure message. */
    private static Map<String, Integer> owners(JsonNode view) {
        Map<String, Integer> owners = new HashMap<>();
        for (JsonNode partition : view.path("partitions")) {
            owners.merge(partition.path("owner").asText("(none)"), 1, Integer::sum);
        }
        return owners;
    }

    /** The id member {@code m} lists for its own API URL, once it appears. */
    private String awaitOwnId(int m) throws Exception {
        String url = members.get(m).url();
        long startNs = System.nanoTime();
        while (msSince(startNs) < REJOIN_MS_MAX) {
            try {
                for (JsonNode member : view(m).path("members")) {
                    if (member.path("address").asText().equals(url)) {
                        return member.path("id").asText();
                    }
                }
            } catch (IOException e) {
                // Not answering the cluster view yet.
            }
            Thread.sleep(POLL_MS);
        }
        throw new AssertionError("member " + m + " does not list itself:\n" + members.get(m).tail());
    }

    private JsonNode view(int m) throws IOException, InterruptedException {
        HttpResponse<String> r = get(members.get(m).url() + "/api/v1/cluster");
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v1/cluster on member " + m + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** A counter of member {@code m}'s {@code /metrics}, 0 when it has no sample yet. */
    private long metric(int m, String name) throws IOException, InterruptedException {
        HttpResponse<String> r = get(members.get(m).url() + "/metrics");
        assertEquals(200, r.statusCode(), "GET /metrics on member " + m);
        for (String line : r.body().lines().toList()) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * When the checker's count of acknowledged transfers grew, polled every {@link #ACK_POLL_MS}: the longest time
     * without a new acknowledgement around a fault is how long the cluster stopped serving.
     */
    private static final class AckWatch implements AutoCloseable {
        private final NavigableMap<Long, Long> growths = new ConcurrentSkipListMap<>();
        private final Thread thread;
        private volatile boolean running = true;

        AckWatch(BankChecker checker) {
            thread = Thread.ofVirtual().name("ack-watch").start(() -> {
                long last = -1;
                while (running) {
                    long now = checker.acknowledgedTransfers();
                    if (now != last) {
                        growths.put(System.nanoTime(), now);
                        last = now;
                    }
                    try {
                        Thread.sleep(ACK_POLL_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        /** The longest stretch in {@code fromNs..toNs} without a new acknowledgement, in ms. */
        long longestGapMs(long fromNs, long toNs) {
            long longest = 0;
            long previous = fromNs;
            for (long at : growths.subMap(fromNs, false, toNs, true).keySet()) {
                longest = Math.max(longest, at - previous);
                previous = at;
            }
            return Math.max(longest, toNs - previous) / 1_000_000;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }

    private static long msSince(long startNs) {
        return (System.nanoTime() - startNs) / 1_000_000;
    }

    private static String hex(SplittableRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
