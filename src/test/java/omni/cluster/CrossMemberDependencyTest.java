package omni.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import omni.config.Setting;
import omni.kernel.Kernel;
import omni.kernel.Result;
import omni.ledger.AccountView;
import omni.ledger.TestDatabases;
import omni.proof.NodeKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three members, each {@code omni serve} in a JVM of its own on one PostgreSQL database, answer requests whose
 * items depend on items other members validate exactly as one node does: a node alone (in this JVM, on its own
 * embedded store) that got the same requests in the same order. Both start from the same ledger (the same mints
 * with the same parents, so every id is the same on both), every request goes to both (to the cluster through the
 * next member in turn, so the member that reads it changes), and each answer must list for every item the result
 * and id (and a malformed item's detail) the node gives. Positions differ by design: the cluster's follow the order in
 * which the owners committed (docs/cluster.md, "Forwarding"), so they are checked against the cluster's database
 * instead. Afterwards every account used has the node's balance, seq and transfer count on every member and in
 * the cluster's {@code balances} view, and the database holds exactly the transfers the node holds.
 *
 * <p>The senders are chosen by the owner table the members answer, so that the items of every request span the
 * three members. The first test walks the cases of the wave plan ({@link WavePlan}) one by one; the second sends
 * seeded random requests: rerun one with {@code -Domni.forwarding.seed=<seed>}. They share the cluster and the
 * node (three JVMs take most of the time), the walked cases first: once an answer differs the two ledgers differ,
 * and what the later test then finds says nothing more.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class CrossMemberDependencyTest {
    private static final int MEMBER_COUNT = 3;
    private static final long MINT = 1_000;
    /** Accounts of each member for the walked cases. */
    private static final int CASE_ACCOUNTS_PER_MEMBER = 6;
    /** Accounts of each member for the random requests: 12 in all, so that items meet on the same accounts. */
    private static final int RANDOM_ACCOUNTS_PER_MEMBER = 4;
    private static final int RANDOM_REQUEST_COUNT = 20;
    private static final int RANDOM_ITEM_COUNT = 50;
    /** Members join and claim their partitions within seconds here; a busy shared machine takes many times that. */
    private static final long SETTLE_WAIT_MS = 90_000;
    /** Hazelcast moves a rebalance's partitions one after another within milliseconds; then it stays. */
    private static final long SETTLED_MS = 1_500;
    /** A request's waves take milliseconds each: a member that has not answered in 30 s is stuck. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RANDOM_ID = "ab".repeat(32);
    private static final Pattern FORWARDED =
            Pattern.compile("(?m)^omni_forwarded_transfers_total(?:\\{[^}]*\\})? (\\S+)$");

    private final long t = System.currentTimeMillis() - 600_000;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<MemberProcess> members = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private String token;
    private String database;
    private Member reference;
    /** The member index owning each partition, from the owner table once the cluster settled. */
    private int[] memberOfPartition;
    /** Owner and epoch of every partition then: they must not change while the tests run. */
    private Map<Integer, String> partitionEpochs;
    /** Accounts by member, minted MINT each in the starting ledger. */
    private final long[][] caseAccounts = new long[MEMBER_COUNT][CASE_ACCOUNTS_PER_MEMBER];
    private final long[][] randomAccounts = new long[MEMBER_COUNT][RANDOM_ACCOUNTS_PER_MEMBER];
    private final List<Item> mints = new ArrayList<>();
    /** Every id the cluster answered accepted or exists, with the position it answered. */
    private final Map<String, Long> answeredPositions = new HashMap<>();
    private int requestCount;
    /** Items each member sent to another to validate, as the owner table says it must. */
    private final long[] forwardedBy = new long[MEMBER_COUNT];

    @BeforeAll
    void startClusterAndReference() throws Exception {
        SplittableRandom secrets = new SplittableRandom();
        token = "t" + Long.toHexString(secrets.nextLong()) + Long.toHexString(secrets.nextLong());
        String secret = "s" + Long.toHexString(secrets.nextLong()) + Long.toHexString(secrets.nextLong());
        database = TestDatabases.create("forwarding");
        int[] httpPorts = new int[MEMBER_COUNT];
        int[] clusterPorts = new int[MEMBER_COUNT];
        List<String> clusterAddresses = new ArrayList<>();
        for (int m = 0; m < MEMBER_COUNT; m++) {
            httpPorts[m] = freePort();
            clusterPorts[m] = freePort();
            clusterAddresses.add("127.0.0.1:" + clusterPorts[m]);
        }
        String clusterName = ClusterMembers.uniqueClusterName();
        long startNs = System.nanoTime();
        for (int m = 0; m < MEMBER_COUNT; m++) {
            Path dir = Files.createTempDirectory("omni-forwarding-m" + m);
            dirs.add(dir);
            if (m > 0) {
                // Every member signs with the first one's key (docs/cluster.md, "One signing key").
                Files.copy(dirs.get(0).resolve(NodeKey.FILE_NAME), dir.resolve(NodeKey.FILE_NAME));
            }
            Map<Setting, String> settings = new EnumMap<>(Setting.class);
            settings.put(Setting.HTTP_PORT, Integer.toString(httpPorts[m]));
            settings.put(Setting.CLUSTER_NAME, clusterName);
            settings.put(Setting.CLUSTER_MEMBERS, String.join(",", clusterAddresses));
            settings.put(Setting.CLUSTER_PORT, Integer.toString(clusterPorts[m]));
            settings.put(Setting.CLUSTER_SECRET, secret);
            members.add(MemberProcess.start(dir, TestDatabases.url(database), token, settings));
            if (m == 0) {
                // As docs/cluster.md has it: the first member up, then the others with its key. The node
                // starts meanwhile.
                reference = Member.start(null);
                members.get(0).awaitReady();
            }
        }
        for (MemberProcess member : members) {
            member.awaitReady();
        }
        long readyMs = (System.nanoTime() - startNs) / 1_000_000;
        awaitSettled();
        System.out.println("CrossMemberDependencyTest: members ready after " + readyMs + " ms, settled after "
                + (System.nanoTime() - startNs) / 1_000_000 + " ms");

        long next = 1;
        for (long[][] accounts : List.of(caseAccounts, randomAccounts)) {
            for (int m = 0; m < MEMBER_COUNT; m++) {
                for (int a = 0; a < accounts[m].length; a++) {
                    while (memberOf(next) != m) {
                        next++;
                    }
                    accounts[m][a] = next++;
                }
            }
        }
        for (long[][] accounts : List.of(caseAccounts, randomAccounts)) {
            for (long[] owned : accounts) {
                for (long account : owned) {
                    mints.add(Item.of(Kernel.ISSUER, account, MINT, mints.size() + 1, t, Item.GENESIS));
                }
            }
        }
        Answer seeded = submitToBoth("the mints", mints);
        assertEquals(mints.size(), seeded.count("accepted"), seeded.json);
    }

    @AfterAll
    void stopAll() throws Exception {
        for (MemberProcess member : members) {
            member.close();
        }
        if (reference != null) {
            reference.close();
        }
        http.close();
        if (database != null) {
            TestDatabases.drop(database);
        }
        for (Path dir : dirs) {
            Member.deleteTree(dir);
        }
    }

    @Test
    void itemsDependingOnItemsOfOtherMembersAnswerWhatOneNodeAnswers() throws Exception {
        // a's accounts are on a member that does not hold the issuer, so a mint to a is spent on another member.
        int issuerMember = memberOf(Kernel.ISSUER);
        long[] a = caseAccounts[(issuerMember + 1) % MEMBER_COUNT];
        long[] b = caseAccounts[(issuerMember + 2) % MEMBER_COUNT];
        long[] c = caseAccounts[issuerMember];
        long issuerSeq = reference.ledger.account(Kernel.ISSUER).seq();

        Item mint = Item.of(Kernel.ISSUER, a[0], 500, issuerSeq + 1, t + 1, Item.GENESIS);
        Item aPays = Item.of(a[0], b[0], 1_400, 1, t + 2, mint.id());
        Item bPays = Item.of(b[0], c[0], 2_300, 1, t + 3, aPays.id());
        Item cPays = Item.of(c[0], a[1], 3_200, 1, t + 4, bPays.id());
        Item aPaysOut = Item.of(a[1], b[1], 4_100, 1, t + 5, cPays.id());
        Item tooMuch = Item.of(b[2], c[2], 1_500, 1, t + 1, Item.GENESIS);
        Item onParentLater = Item.of(a[2], b[3], 5, 1, t + 6, Item.of(c[3], a[3], 5, 1, t + 1, Item.GENESIS).id());
        Item credit = Item.of(a[5], b[0], 500, 1, t + 1, Item.GENESIS);
        List<Item> first = List.of(
                mint,
                aPays,
                bPays,
                cPays,
                Item.of(a[1], b[1], 100, 1, t + 3, cPays.id()),
                aPaysOut,
                tooMuch,
                Item.of(c[2], b[2], 600, 1, t + 1, Item.GENESIS),
                onParentLater,
                Item.of(c[3], a[3], 5, 1, t + 1, Item.GENESIS),
                Item.of(b[4], a[4], 10, 3, t + 1, Item.GENESIS),
                bPays,
                mints.get(0),
                Item.of(c[0], b[5], 50, 2, t + 5, cPays.id()),
                Item.of(b[0], a[5], 200, 2, t + 4, bPays.id()),
                credit,
                Item.of(b[0], a[5], 150, 2, t + 5, credit.id()),
                Item.of(c[1], a[1], 0, 1, t + 1, Item.GENESIS));
        Answer one = submitToBoth("the mint, the chain and their reverse", first);
        assertEquals(List.of(
                "accepted", // the mint to a[0], on the issuer's member
                "accepted", // a[0] spends it on its own member: the mint is its parent and its credit
                "accepted", // b[0] spends a[0]'s payment, c[0] b[0]'s, and a[1] c[0]'s: around the members
                "accepted",
                "timestamp_before_parent", // its parent, on another member, is later
                "accepted",
                "insufficient_funds", // the credit of the next item comes after it
                "accepted",
                "parent_not_found", // its parent is the next item, on another member
                "accepted",
                "seq_gap",
                "exists", // b[0]'s payment again, in the same request
                "exists", // a mint of the starting ledger
                "accepted",
                "insufficient_funds", // a credit later in the request does not cure it
                "accepted",
                "accepted", // with the seq the rejected item left free, after the credit
                "amount_must_be_positive"), one.results());
        assertSpansEveryMember(first);

        List<Item> second = List.of(
                aPays,
                onParentLater,
                tooMuch,
                Item.of(a[0], c[1], 50, 1, t + 7, Item.GENESIS),
                Item.of(c[1], a[0], 10, 1, t + 7, RANDOM_ID),
                Item.of(b[1], c[4], 5_000, 1, t + 7, aPaysOut.id()),
                Item.of(c[4], a[0], 5_900, 1, t + 8, Item.of(b[1], c[4], 5_000, 1, t + 7, aPaysOut.id()).id()),
                Item.of(a[0], Kernel.ISSUER, 6_000, 2, t + 9, Item.GENESIS),
                Item.of(Kernel.ISSUER, b[4], 100, issuerSeq + 2, t + 9, Item.GENESIS),
                Item.of(b[4], a[4], 1_100, 1, t + 10,
                        Item.of(Kernel.ISSUER, b[4], 100, issuerSeq + 2, t + 9, Item.GENESIS).id()),
                Item.of(b[4], a[4], 1, 3, t + 10, Item.GENESIS));
        // Items with a memo from every member, forwarded as their owners read them: the same id as on the node.
        List<String> secondLines = new ArrayList<>(second.stream().map(Item::json).toList());
        long[][] memoPairs = {{a[4], b[3]}, {b[3], c[1]}, {c[1], a[4]}};
        for (long[] pair : memoPairs) {
            secondLines.add("{\"sender\":" + pair[0] + ",\"receiver\":" + pair[1] + ",\"amount\":3,\"seq\":1,"
                    + "\"timestamp\":" + (t + 11) + ",\"parents\":[\"" + Item.GENESIS + "\"],"
                    + "\"memo\":\"a \\\"quoted\\\"\\n memo \u00e9 \\u00e9\"}");
        }
        secondLines.add("{\"sender\":\"x\"}");
        Answer two = submitLines("resent items and parents committed by other members", secondLines);
        assertEquals(List.of(
                "exists",
                "accepted", // its parent committed in the last request
                "accepted", // the credit that came too late last time is there now
                "seq_reused",
                "parent_not_found",
                "accepted", // its parent committed on another member in the last request
                "accepted", // spends the last item's credit: parent and credit on another member
                "accepted", // a[0] pays the issuer what it got from c[4] ...
                "accepted", // ... and the issuer's member mints on with the next seq
                "accepted", // the mint is spent on another member
                "seq_gap",
                "accepted", // the items with a memo
                "accepted",
                "accepted",
                "malformed"), two.results());
        assertSpansEveryMember(second);

        long[] chain = {a[3], b[5], c[5]};
        List<Item> third = new ArrayList<>();
        String parent = Item.GENESIS;
        long[] seqs = new long[chain.length];
        long[] balances = {MINT + 5, MINT + 50, MINT};
        // Around the members twice, each hop paying everything it holds, so every hop needs the last one's credit.
        for (int hop = 0; hop < 2 * chain.length; hop++) {
            int from = hop % chain.length;
            int to = (hop + 1) % chain.length;
            long amount = balances[from];
            if (hop == chain.length + 1) {
                third.add(Item.of(chain[from], chain[to], amount + 1, seqs[from] + 1, t + 11 + hop, parent));
            }
            Item pay = Item.of(chain[from], chain[to], amount, ++seqs[from], t + 11 + hop, parent);
            third.add(pay);
            balances[to] += amount;
            balances[from] = 0;
            parent = pay.id();
        }
        Answer three = submitToBoth("a chain twice around the members", third);
        List<String> expected = new ArrayList<>();
        for (int k = 0; k < third.size(); k++) {
            expected.add(k == chain.length + 1 ? "insufficient_funds" : "accepted");
        }
        assertEquals(expected, three.results());
        assertSpansEveryMember(third);

        assertEveryMemberAgreesWithTheNode();
    }

    @Test
    void randomRequestsAnswerWhatOneNodeAnswers() throws Exception {
        long seed = Long.getLong("omni.forwarding.seed", System.nanoTime());
        System.out.println("CrossMemberDependencyTest seed=" + seed + " (rerun the class with -Domni.forwarding.seed="
                + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        List<Long> accounts = new ArrayList<>();
        for (long[] owned : randomAccounts) {
            for (long account : owned) {
                accounts.add(account);
            }
        }
        List<Item> sent = new ArrayList<>(mints);
        List<Item> stored = new ArrayList<>(mints);
        Map<String, Integer> resultCounts = new TreeMap<>();
        int dependentCount = 0;
        long startNs = System.nanoTime();
        for (int r = 0; r < RANDOM_REQUEST_COUNT; r++) {
            List<Item> items = randomRequest(random, accounts, sent, stored);
            dependentCount += dependentOnOtherMembers(items);
            List<String> results = submitToBoth("random request " + r + " of seed " + seed, items).results();
            for (int i = 0; i < items.size(); i++) {
                resultCounts.merge(results.get(i), 1, Integer::sum);
                if (results.get(i).equals("accepted")) {
                    stored.add(items.get(i));
                }
            }
            sent.addAll(items);
        }
        long ms = (System.nanoTime() - startNs) / 1_000_000;
        System.out.println("CrossMemberDependencyTest: " + RANDOM_REQUEST_COUNT + " random requests of "
                + RANDOM_ITEM_COUNT + " items over " + accounts.size() + " accounts in " + ms + " ms, " + dependentCount
                + " items with a parent or a credit from an earlier item of another member in their request; results "
                + resultCounts);
        for (String result : List.of("accepted", "exists", "insufficient_funds", "seq_gap", "seq_reused",
                "parent_not_found", "timestamp_before_parent")) {
            assertThat("the random requests meet " + result + " (seed " + seed + ")",
                    resultCounts.getOrDefault(result, 0), greaterThan(0));
        }
        assertThat("accepted items (seed " + seed + ")", resultCounts.get("accepted"),
                greaterThan(RANDOM_REQUEST_COUNT * RANDOM_ITEM_COUNT / 4));
        assertThat("items depending on another member's item", dependentCount, greaterThan(RANDOM_REQUEST_COUNT));
        assertEveryMemberAgreesWithTheNode();
    }

    // ---- the random requests -------------------------------------------------------------------------------

    /**
     * One random request. Items are made in an order in which most are meant to be valid: the next seq, a part of
     * what the sender holds (credits of earlier items counted), parents among the items stored before and the valid
     * items made before, so that items spend and name items of other members in the same request. The others are
     * meant to fail one way each: a seq skipped or reused, more than the sender holds, a parent never made, a
     * timestamp before a parent's, an item sent before again. Then a few items are moved ahead of the items they
     * followed, so that a parent or a credit comes later in the request. Seqs and balances start from what the node
     * says of the senders; what the items get is the node's business, not this generator's.
     */
    private List<Item> randomRequest(SplittableRandom random, List<Long> accounts, List<Item> sent,
                                     List<Item> stored) {
        Map<Long, Long> nextSeq = new HashMap<>();
        Map<Long, Long> held = new HashMap<>();
        for (long account : accounts) {
            AccountView view = reference.ledger.account(account);
            nextSeq.put(account, view.seq() + 1);
            held.put(account, view.balance());
        }
        nextSeq.put(Kernel.ISSUER, reference.ledger.account(Kernel.ISSUER).seq() + 1);
        held.put(Kernel.ISSUER, MINT);
        List<Item> made = new ArrayList<>();
        List<Item> valid = new ArrayList<>();
        while (made.size() < RANDOM_ITEM_COUNT) {
            if (random.nextInt(100) < 5) {
                List<Item> pool = random.nextBoolean() && !made.isEmpty() ? made : sent;
                made.add(pool.get(random.nextInt(pool.size())));
                continue;
            }
            long sender = random.nextInt(100) < 5 ? Kernel.ISSUER : accounts.get(random.nextInt(accounts.size()));
            long receiver = accounts.get(random.nextInt(accounts.size()));
            if (receiver == sender) {
                continue;
            }
            int kind = random.nextInt(100);
            boolean meantValid = kind >= 30;
            long seq = nextSeq.get(sender);
            if (kind < 6) {
                seq++;
            } else if (kind < 12 && seq > 1) {
                seq--;
            }
            long balance = held.get(sender);
            long amount = kind >= 12 && kind < 20 ? balance + 1 + random.nextInt((int) MINT)
                    : 1 + random.nextLong(Math.max(1, balance / 2));
            List<String> parents = new ArrayList<>();
            long latest = 0;
            int parentCount = 1 + random.nextInt(2);
            for (int k = 0; k < parentCount; k++) {
                int from = random.nextInt(100);
                Item parent;
                if (from < 50 && !valid.isEmpty()) {
                    parent = valid.get(valid.size() - 1 - random.nextInt(Math.min(valid.size(), 8)));
                } else if (from < 90) {
                    parent = stored.get(stored.size() - 1 - random.nextInt(Math.min(stored.size(), 60)));
                } else {
                    parent = null;
                }
                parents.add(parent == null ? Item.GENESIS : parent.id());
                latest = Math.max(latest, parent == null ? t : parent.timestamp());
            }
            if (kind >= 20 && kind < 25) {
                parents.set(0, RANDOM_ID);
            }
            long timestamp = kind >= 25 && kind < 30 ? latest - 1 : latest + 1 + random.nextInt(3);
            Item item = new Item(sender, receiver, amount, seq, timestamp, parents.stream().distinct().toList());
            made.add(item);
            if (meantValid) {
                valid.add(item);
                nextSeq.put(sender, seq + 1);
                held.merge(sender, -amount, Long::sum);
                held.merge(receiver, amount, Long::sum);
            }
        }
        for (int k = 0; k + 1 < made.size(); k++) {
            if (random.nextInt(100) < 5) {
                made.add(k, made.remove(Math.min(made.size() - 1, k + 1 + random.nextInt(3))));
            }
        }
        return made;
    }

    /** Items with a parent or a credit from an earlier item of the request that another member validates. */
    private int dependentOnOtherMembers(List<Item> items) {
        int count = 0;
        for (int j = 0; j < items.size(); j++) {
            Item item = items.get(j);
            for (int i = 0; i < j; i++) {
                Item earlier = items.get(i);
                if (memberOf(earlier.sender()) != memberOf(item.sender())
                        && (item.parents().contains(earlier.id()) || earlier.receiver() == item.sender())) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    // ---- comparing the cluster with the node ---------------------------------------------------------------

    /**
     * The request to the node and to the next member in turn; the answers must list the same result and id for
     * every item. Returns the node's answer.
     */
    private Answer submitToBoth(String what, List<Item> items) throws Exception {
        return submitLines(what, items.stream().map(Item::json).toList());
    }

    /** {@link #submitToBoth} of items written as JSON. */
    private Answer submitLines(String what, List<String> items) throws Exception {
        String body = "[" + String.join(",", items) + "]";
        Answer expected = new Answer(Member.submit(reference.ledger, body, true));
        int entry = requestCount++ % MEMBER_COUNT;
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(members.get(entry).url() + "/api/v1/transactions"))
                .timeout(REQUEST_TIMEOUT).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), what + " through member " + entry + ": " + response.body());
        Answer answer = new Answer(response.body());
        String context = what + " through member " + entry + ":\nrequest " + body + "\none node " + expected.json
                + "\ncluster  " + answer.json;
        assertEquals(expected.node.get("accepted").asLong(), answer.node.get("accepted").asLong(), context);
        assertEquals(expected.node.get("rejected").asLong(), answer.node.get("rejected").asLong(), context);
        JsonNode want = expected.node.get("results");
        JsonNode got = answer.node.get("results");
        assertEquals(want.size(), got.size(), context);
        for (int i = 0; i < want.size(); i++) {
            String item = "item " + i + " of " + context;
            assertEquals(i, got.get(i).get("index").asInt(), item);
            assertEquals(want.get(i).path("result").asText(), got.get(i).path("result").asText(), item);
            assertEquals(want.get(i).path("id").asText(), got.get(i).path("id").asText(), item);
            assertEquals(want.get(i).path("detail").asText(), got.get(i).path("detail").asText(), item);
            assertEquals(want.get(i).has("position"), got.get(i).has("position"), item);
            if (got.get(i).has("position")) {
                Long before = answeredPositions.put(got.get(i).get("id").asText(), got.get(i).get("position").asLong());
                assertTrue(before == null || before == got.get(i).get("position").asLong(),
                        "an id answered at two positions: " + item);
            }
        }
        JsonNode sent = JSON.readTree(body);
        for (int i = 0; i < want.size(); i++) {
            // Past the stateless checks (decided where the request arrived), an item goes to its sender's owner.
            Result result = Result.valueOf(want.get(i).get("result").asText().toUpperCase(Locale.ROOT));
            if (result.ordinal() >= Result.EXISTS.ordinal() && memberOf(sent.get(i).get("sender").asLong()) != entry) {
                forwardedBy[entry]++;
            }
        }
        for (MemberProcess member : members) {
            member.assertRunning();
        }
        return expected;
    }

    /** Every request of these tests must have items that each of the three members validates. */
    private void assertSpansEveryMember(List<Item> items) {
        BitSet owners = new BitSet();
        for (Item item : items) {
            owners.set(memberOf(item.sender()));
        }
        assertEquals(MEMBER_COUNT, owners.cardinality(), "members validating the request's items");
    }

    /**
     * Every account used, read through every member (from its owner's kernel), and the {@code balances} view of the
     * cluster's database, against the node; the database holds each transfer once, at the position the cluster
     * answered, positions without a gap, and exactly the transfers the node holds. The owner table must still be
     * the one the accounts were chosen by, or the requests did not span the members as planned.
     */
    private void assertEveryMemberAgreesWithTheNode() throws Exception {
        assertEquals(partitionEpochs, ownerEpochs(clusterView(0)), "the partitions moved during the test");
        StoredLedger stored = StoredLedger.read(TestDatabases.url(database), TestDatabases.USER, "");
        List<Long> accounts = new ArrayList<>(List.of(Kernel.ISSUER));
        for (long[][] byMember : List.of(caseAccounts, randomAccounts)) {
            for (long[] owned : byMember) {
                for (long account : owned) {
                    accounts.add(account);
                }
            }
        }
        for (long account : accounts) {
            AccountView expected = reference.ledger.account(account);
            for (int m = 0; m < MEMBER_COUNT; m++) {
                JsonNode got = JSON.readTree(get(m, "/api/v1/accounts/" + account));
                assertEquals(expected, new AccountView(got.get("id").asLong(), got.get("balance").asLong(),
                        got.get("seq").asLong(), got.get("transactions").asLong()),
                        "account " + account + " through member " + m);
            }
            StoredLedger.Balance balance = stored.balances.get(account);
            assertNotNull(balance, "account " + account + " in the balances view");
            assertEquals(expected.balance(), balance.balance(), "stored balance of " + account);
            assertEquals(expected.seq(), balance.seq(), "stored seq of " + account);
        }
        assertEquals(Map.of(), stored.duplicateIds, "ids stored more than once");
        for (int k = 0; k < stored.rows.length; k++) {
            assertEquals(stored.rows[0].position() + k, stored.rows[k].position(), "stored positions have no gap");
            assertNotNull(reference.ledger.transfer(HexFormat.of().parseHex(stored.rows[k].id())),
                    "the node holds the cluster's transfer " + stored.rows[k].id());
        }
        assertEquals(reference.engine.committedPosition(), stored.rows[stored.rows.length - 1].position(),
                "the cluster holds as many transfers as the node");
        for (int m = 0; m < MEMBER_COUNT; m++) {
            // Exact: the partitions did not move, so no item was sent to a member that no longer held it.
            Matcher counter = FORWARDED.matcher(get(m, "/metrics"));
            assertTrue(counter.find(), "omni_forwarded_transfers_total on member " + m);
            assertEquals(forwardedBy[m], (long) Double.parseDouble(counter.group(1)),
                    "items member " + m + " forwarded");
        }
        System.out.println("CrossMemberDependencyTest: items forwarded by each member " + Arrays.toString(forwardedBy));
        answeredPositions.forEach((id, position) -> {
            StoredLedger.Row row = stored.rowById.get(id);
            assertNotNull(row, "an answered transfer is stored: " + id);
            assertEquals(position, row.position(), "the cluster answered the stored position of " + id);
        });
    }

    // ---- the cluster ------------------------------------------------------------------------------------------

    /**
     * Waits until every member sees three active members, the owner table gives every partition to one of them and
     * each some, the same on every member, unchanged for SETTLED_MS; then takes that table as the assignment.
     */
    private void awaitSettled() throws Exception {
        long deadlineMs = System.currentTimeMillis() + SETTLE_WAIT_MS;
        Map<Integer, String> last = null;
        long sinceMs = System.currentTimeMillis();
        String seen;
        while (true) {
            JsonNode view = clusterView(0);
            seen = view.toString();
            Map<Integer, String> owners = settledOwners(view);
            for (int m = 1; m < MEMBER_COUNT && owners != null; m++) {
                if (!owners.equals(settledOwners(clusterView(m)))) {
                    owners = null;
                }
            }
            if (owners == null || !owners.equals(last)) {
                last = owners;
                sinceMs = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - sinceMs >= SETTLED_MS) {
                break;
            }
            if (System.currentTimeMillis() > deadlineMs) {
                throw new AssertionError("the cluster did not settle within " + SETTLE_WAIT_MS + " ms: " + seen
                        + "\n" + members.get(0).tail());
            }
            Thread.sleep(100);
        }
        JsonNode view = clusterView(0);
        Map<String, Integer> memberByAddress = new HashMap<>();
        for (int m = 0; m < MEMBER_COUNT; m++) {
            memberByAddress.put(members.get(m).url(), m);
        }
        Map<String, Integer> memberById = new HashMap<>();
        for (JsonNode member : view.get("members")) {
            Integer index = memberByAddress.get(member.get("address").asText());
            assertNotNull(index, "a member at an address no test member has: " + member);
            memberById.put(member.get("id").asText(), index);
        }
        memberOfPartition = new int[Kernel.PARTITION_COUNT];
        for (JsonNode partition : view.get("partitions")) {
            memberOfPartition[partition.get("id").asInt()] = memberById.get(partition.get("owner").asText());
        }
        partitionEpochs = ownerEpochs(view);
        int[] owned = new int[MEMBER_COUNT];
        for (int member : memberOfPartition) {
            owned[member]++;
        }
        System.out.println("CrossMemberDependencyTest: partitions held " + Arrays.toString(owned));
    }

    /** The owner of every partition when the view shows three active members sharing them all; else null. */
    private static Map<Integer, String> settledOwners(JsonNode view) {
        List<String> ids = new ArrayList<>();
        for (JsonNode member : view.get("members")) {
            if (member.get("state").asText().equals("active") && member.get("partitionsOwned").asInt() > 0) {
                ids.add(member.get("id").asText());
            }
        }
        if (ids.size() != MEMBER_COUNT || view.get("members").size() != MEMBER_COUNT) {
            return null;
        }
        Map<Integer, String> owners = ownerEpochs(view);
        for (JsonNode partition : view.get("partitions")) {
            if (!ids.contains(partition.get("owner").asText(null))) {
                return null;
            }
        }
        return owners.size() == Kernel.PARTITION_COUNT ? owners : null;
    }

    /** "owner/epoch" of every partition, by partition id. */
    private static Map<Integer, String> ownerEpochs(JsonNode view) {
        Map<Integer, String> epochs = new TreeMap<>();
        for (JsonNode partition : view.get("partitions")) {
            epochs.put(partition.get("id").asInt(), partition.get("owner").asText(null) + "/"
                    + partition.get("epoch").asLong());
        }
        return epochs;
    }

    private JsonNode clusterView(int member) throws Exception {
        return JSON.readTree(get(member, "/api/v1/cluster"));
    }

    private String get(int member, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(members.get(member).url() + path))
                .timeout(REQUEST_TIMEOUT).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "GET " + path + " on member " + member + ": " + response.body());
        return response.body();
    }

    private int memberOf(long account) {
        return memberOfPartition[HazelcastPartitioning.partitionOf(account)];
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** An answer of POST /api/v1/transactions. */
    private static final class Answer {
        final String json;
        final JsonNode node;

        Answer(String json) throws IOException {
            this.json = json;
            this.node = JSON.readTree(json);
        }

        List<String> results() {
            List<String> results = new ArrayList<>();
            for (JsonNode item : node.get("results")) {
                results.add(item.get("result").asText());
            }
            return results;
        }

        long count(String result) {
            return results().stream().filter(result::equals).count();
        }
    }
}
