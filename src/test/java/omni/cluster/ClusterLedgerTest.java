package omni.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import omni.gateway.InternalService;
import omni.kernel.Kernel;
import omni.ledger.AccountView;
import omni.ledger.LedgerUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterLedger} over three real members, each with its own embedded store and engine, on real HTTP, whose
 * kernels hold only the partitions a fixed assignment gives them (partition p to member p % 3), so each validates
 * only its own senders. Every member and a reference node holding all partitions start from the same ledger: the
 * same mints, replayed identically into each. A request is then answered by the cluster through member 0 and by
 * the reference node, and the two answers must be the same, item for item.
 *
 * <p>What these members lack is the cluster engine's catch-up (each member applying what the others committed
 * before it validates), so a transfer committed by one member is not seen by another here: the requests of these
 * tests have no item that depends on an item of another member. Those dependencies are the business of the waves,
 * tested in {@link WavePlanTest} and, over three member processes on one PostgreSQL database, in
 * {@link CrossMemberDependencyTest}.
 */
class ClusterLedgerTest {
    private static final String SECRET = "forwarding-test-secret";
    private static final int MEMBER_COUNT = 3;
    /** Accounts per member in the starting ledger, each minted {@link #MINT}. */
    private static final int ACCOUNTS_PER_MEMBER = 4;
    private static final long MINT = 1_000;
    private static final Pattern POSITION = Pattern.compile(",\"position\":(\\d+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final long t = System.currentTimeMillis() - 600_000;
    private final List<Member> members = new ArrayList<>();
    private Member reference;
    /** Accounts owned by each member (by their sender partition), minted in the starting ledger. */
    private final long[][] accounts = new long[MEMBER_COUNT][ACCOUNTS_PER_MEMBER];
    /** The mints of the starting ledger, in order. */
    private final List<Item> mints = new ArrayList<>();
    private ClusterLedger front;

    @BeforeEach
    void startMembers() throws Exception {
        long next = 1;
        for (int m = 0; m < MEMBER_COUNT; m++) {
            for (int a = 0; a < ACCOUNTS_PER_MEMBER; a++) {
                while (memberOf(next) != m) {
                    next++;
                }
                accounts[m][a] = next++;
            }
        }
        long seq = 1;
        for (long[] owned : accounts) {
            for (long account : owned) {
                mints.add(Item.of(Kernel.ISSUER, account, MINT, seq++, t, Item.GENESIS));
            }
        }
        String seed = array(mints.stream().map(Item::json).toList());
        reference = Member.start(null);
        Member.submit(reference.ledger, seed, true);
        for (int m = 0; m < MEMBER_COUNT; m++) {
            Member member = Member.start(SECRET);
            members.add(member);
            assertThat(Member.submit(member.ledger, seed, true), not(containsString("rejected\":1")));
            int owner = m;
            member.holdOnly(p -> p % MEMBER_COUNT == owner);
        }
        front = new ClusterLedger(members.get(0).ledger, owners(assignment()), SECRET, () -> null, null);
    }

    @AfterEach
    void stopMembers() throws Exception {
        if (front != null) {
            front.close();
        }
        for (Member member : members) {
            member.close();
        }
        if (reference != null) {
            reference.close();
        }
    }

    @Test
    void aRequestSpanningEveryMemberAnswersWhatOneNodeAnswers() throws Exception {
        long[] a = accounts[0];
        long[] b = accounts[1];
        long[] c = accounts[2];
        Item pay = Item.of(a[0], a[1], 100, 1, t + 1, mints.get(0).id());
        Item payBack = Item.of(a[1], a[0], 1_050, 1, t + 2, pay.id());
        Item bPays = Item.of(b[0], b[1], 10, 1, t + 1, Item.GENESIS);
        Item bReuses = Item.of(b[0], b[1], 11, 1, t + 1, Item.GENESIS);
        Item bFollows = Item.of(b[1], b[2], 20, 1, t + 3, bPays.id());
        // The issuer's owner mints to an account it owns, which spends the mint at once.
        long minted = accounts[memberOf(Kernel.ISSUER)][3];
        Item mint = Item.of(Kernel.ISSUER, minted, 500, mints.size() + 1, t + 4, Item.GENESIS);
        List<String> items = List.of(
                pay.json(),
                bPays.json(),
                Item.of(c[0], c[1], 5, 3, t + 1, Item.GENESIS).json(),
                payBack.json(),
                "{\"sender\":\"x\"}",
                bReuses.json(),
                Item.of(c[0], c[1], 5_000, 1, t + 1, Item.GENESIS).json(),
                Item.of(c[1], c[2], 0, 1, t + 1, Item.GENESIS).json(),
                mints.get(5).json(),
                Item.of(c[2], c[3], 7, 1, t + 1, "ab".repeat(32)).json(),
                bFollows.json(),
                Item.of(c[3], c[2], 7, 1, t - 1, mints.get(11).id()).json(),
                mint.json(),
                Item.of(a[2], b[3], 30, 1, t + 5, Item.GENESIS).json(),
                Item.of(minted, c[1], 1_400, 1, t + 6, mint.id()).json(),
                Item.of(c[1], c[0], 1, 1, t + 7, Item.GENESIS).json(),
                "{\"sender\":" + c[2] + ",\"receiver\":" + c[3] + ",\"amount\":3,\"seq\":1,\"timestamp\":" + (t + 8)
                        + ",\"parents\":[\"" + Item.GENESIS + "\"],\"memo\":\"a \\\"quoted\\\"\\n memo \u00e9 \\u00e9\"}");
        String body = array(items);

        String expected = Member.submit(reference.ledger, body, true);
        String answer = Member.submit(front, body, true);

        assertEquals(withoutPositions(expected), withoutPositions(answer));
        for (String result : List.of("accepted", "exists", "seq_reused", "seq_gap", "insufficient_funds",
                "parent_not_found", "malformed", "amount_must_be_positive", "timestamp_before_parent")) {
            assertThat(answer, containsString("\"result\":\"" + result + "\""));
        }
        for (int m = 0; m < MEMBER_COUNT; m++) {
            assertThat("member " + m + " committed items of the request", members.get(m).engine.committedPosition(),
                    greaterThan((long) mints.size()));
        }
        assertThat("exists answers the mint's position", answer, containsString("\"index\":8,\"id\":\""
                + mints.get(5).id() + "\",\"result\":\"exists\",\"position\":6}"));
        Matcher memoItem = Pattern.compile("\"index\":16,\"id\":\"([0-9a-f]{64})\"").matcher(expected);
        assertTrue(memoItem.find(), expected);
        assertTrue(members.get(2).ledger.transfer(HexFormat.of().parseHex(memoItem.group(1))) != null,
                "the owner committed the item with a memo under the id the client's bytes give");
        assertThat(expected, containsString("{\"accepted\":10,\"rejected\":7,"));
        assertEquals(9, positionsOf(answer).stream().filter(position -> position > mints.size()).count(),
                "every accepted item has a position its owner gave it");
    }

    @Test
    void itemsAnOwnerNoLongerHoldsAreRoutedAgainAfterARefresh() throws Exception {
        long moved = accounts[2][0];
        int[] stale = assignment();
        stale[HazelcastPartitioning.partitionOf(moved)] = 1;
        FixedOwners owners = owners(stale);
        owners.stage(assignment());
        try (ClusterLedger staleFront = new ClusterLedger(members.get(0).ledger, owners, SECRET, () -> null, null)) {
            long[] b = accounts[1];
            String body = array(List.of(
                    Item.of(b[0], b[1], 10, 1, t + 1, Item.GENESIS).json(),
                    Item.of(moved, accounts[2][1], 10, 1, t + 1, Item.GENESIS).json(),
                    Item.of(b[1], b[2], 10, 1, t + 1, Item.GENESIS).json()));
            String expected = Member.submit(reference.ledger, body, false);
            String answer = Member.submit(staleFront, body, false);

            assertEquals(withoutPositions(expected), withoutPositions(answer));
            assertThat(answer, containsString("\"accepted\":3"));
            assertThat(owners.refreshCount.get(), greaterThan(0));
            assertEquals(new AccountView(moved, MINT - 10, 1, 2), members.get(2).ledger.account(moved));
        }
    }

    @Test
    void anOwnerThatDoesNotAnswerMakesTheRequestUnavailable() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        long lost = accounts[2][0];
        int[] assignment = assignment();
        assignment[HazelcastPartitioning.partitionOf(lost)] = MEMBER_COUNT;
        List<String> urls = new ArrayList<>(urls());
        urls.add("http://127.0.0.1:" + deadPort);
        try (ClusterLedger cut = new ClusterLedger(members.get(0).ledger, new FixedOwners(assignment, urls, 0),
                SECRET, () -> null, null)) {
            String body = array(List.of(Item.of(lost, accounts[2][1], 10, 1, t + 1, Item.GENESIS).json()));
            long startNs = System.nanoTime();
            LedgerUnavailableException e = assertThrows(LedgerUnavailableException.class,
                    () -> Member.submit(cut, body, false));
            assertThat(e.getMessage(), containsString("did not answer " + ClusterLedger.ATTEMPT_COUNT_MAX));
            assertThat((System.nanoTime() - startNs) / 1_000_000, lessThan(5_000L));
        }
    }

    @Test
    void theInternalRoutesRefuseACallWithoutTheClusterSecret() throws Exception {
        String url = members.get(1).apiUrl();
        String body = Item.of(accounts[1][0], accounts[1][1], 10, 1, t + 1, Item.GENESIS).json() + "\n";
        assertProblem(post(url, body, null), 401);
        assertProblem(post(url, body, "not-the-secret"), 403);
        assertProblem(get(url + InternalService.ACCOUNTS_PATH + accounts[1][0], null), 401);
        assertProblem(get(url + InternalService.ACCOUNTS_PATH + accounts[1][0], SECRET + "x"), 403);
        assertEquals(mints.size(), members.get(1).engine.committedPosition(), "nothing was committed");

        HttpResponse<String> accepted = post(url, body, SECRET);
        assertEquals(200, accepted.statusCode(), accepted.body());
        assertEquals("{\"results\":[[\"accepted\"," + (mints.size() + 1) + "]]}", accepted.body());
        assertEquals(421, get(url + InternalService.ACCOUNTS_PATH + accounts[0][0], SECRET).statusCode());

        try (ClusterLedger wrong = new ClusterLedger(members.get(0).ledger, owners(assignment()), "wrong", () -> null, null)) {
            String request = array(List.of(Item.of(accounts[1][1], accounts[1][0], 1, 2, t + 1, Item.GENESIS).json()));
            LedgerUnavailableException e = assertThrows(LedgerUnavailableException.class,
                    () -> Member.submit(wrong, request, false));
            assertThat(e.getMessage(), containsString("refused it with 403"));
        }
        HttpResponse<String> openApi = get(url + "/openapi", null);
        assertEquals(200, openApi.statusCode());
        assertThat(openApi.body(), not(containsString("/internal")));
    }

    @Test
    void anAccountIsReadFromTheMemberHoldingIt() throws Exception {
        for (long account : new long[] {accounts[0][1], accounts[1][2], accounts[2][3], Kernel.ISSUER}) {
            AccountView expected = reference.ledger.account(account);
            assertEquals(expected, front.account(account), "account " + account);
        }
        long neverUsed = accounts[2][ACCOUNTS_PER_MEMBER - 1] + 1;
        while (memberOf(neverUsed) != 2) {
            neverUsed++;
        }
        assertNull(front.account(neverUsed));
        assertNull(front.history(neverUsed, 10, Long.MAX_VALUE));
        assertEquals(1, front.history(accounts[2][0], 10, Long.MAX_VALUE).transfers().size());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static int memberOf(long account) {
        return HazelcastPartitioning.partitionOf(account) % MEMBER_COUNT;
    }

    private static int[] assignment() {
        int[] memberOfPartition = new int[Kernel.PARTITION_COUNT];
        for (int p = 0; p < Kernel.PARTITION_COUNT; p++) {
            memberOfPartition[p] = p % MEMBER_COUNT;
        }
        return memberOfPartition;
    }

    private List<String> urls() {
        return members.stream().map(Member::apiUrl).toList();
    }

    private FixedOwners owners(int[] assignment) {
        return new FixedOwners(assignment, urls(), 0);
    }

    private static String array(List<String> items) {
        return "[" + String.join(",", items) + "]";
    }

    /** The answer without positions: each member numbers its own store here, the reference node its own. */
    private static String withoutPositions(String answer) {
        return POSITION.matcher(answer).replaceAll("");
    }

    private static List<Long> positionsOf(String answer) {
        List<Long> positions = new ArrayList<>();
        Matcher m = POSITION.matcher(answer);
        while (m.find()) {
            positions.add(Long.parseLong(m.group(1)));
        }
        return positions;
    }

    private static HttpResponse<String> post(String url, String ndjson, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + InternalService.TRANSFERS_PATH))
                .header("Content-Type", InternalService.NDJSON)
                .POST(HttpRequest.BodyPublishers.ofString(ndjson));
        if (secret != null) {
            request.header(InternalService.SECRET_HEADER, secret);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (secret != null) {
            request.header(InternalService.SECRET_HEADER, secret);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        assertThat(response.body(), containsString(InternalService.SECRET_HEADER));
        assertTrue(response.body().contains("\"status\":" + status), response.body());
    }
}
