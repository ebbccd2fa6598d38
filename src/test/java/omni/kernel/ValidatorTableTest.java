package omni.kernel;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One row per result of docs/kernel.md in precedence order, then rows where two failures meet and the earlier
 * must win. Every row starts from the same state: the issuer (seq 1) gave 1000 to account 1 (position 1),
 * account 1 (seq 1) gave 100 to account 2 (position 2, the only tip). The base item, account 1 giving 10 to
 * account 2 with seq 2 on parent position 2, is accepted; each row changes it.
 */
class ValidatorTableTest {
    static final long NOW_MS = KernelTest.NOW_MS;

    /** One transfer as test data; written into item 0 of a batch. */
    static final class Item {
        long sender = 1;
        long receiver = 2;
        long amount = 10;
        long seq = 2;
        long timestamp = NOW_MS;
        byte[][] parents;
        byte[] memo = new byte[0];
        byte[] givenId;
        boolean admin;
        boolean ingestMalformed;

        void writeTo(TransferBatch batch) {
            RandomizedKernelTest.fill(batch, List.of(new ReferenceLedger.Tx(sender, receiver, amount, seq, timestamp,
                    parents, memo, givenId, ingestMalformed)), false);
        }
    }

    record Row(String name, Result expected, long expectedPosition, Consumer<Item> change) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The state every row starts from, and the ids in it. */
    static final class World {
        final Kernel kernel = KernelTest.newKernel();
        final byte[] genesis = kernel.genesisId();
        final byte[] issue;
        final byte[] move;

        World() {
            issue = apply(0, 1, 1000, 1, genesis, true);
            move = apply(1, 2, 100, 1, issue, false);
        }

        private byte[] apply(long sender, long receiver, long amount, long seq, byte[] parent, boolean admin) {
            Item item = new Item();
            item.sender = sender;
            item.receiver = receiver;
            item.amount = amount;
            item.seq = seq;
            item.parents = new byte[][] {parent};
            item.admin = admin;
            TransferBatch batch = run(item);
            assertEquals(Result.ACCEPTED, batch.result(0));
            return Arrays.copyOf(batch.id, 32);
        }

        TransferBatch run(Item item) {
            TransferBatch batch = new TransferBatch();
            item.writeTo(batch);
            StatelessPool.validateRange(batch, 0, 1, item.admin, NOW_MS, new TransferIds());
            kernel.validateStateful(batch);
            return batch;
        }
    }

    static byte[] filled(int value) {
        byte[] id = new byte[32];
        Arrays.fill(id, (byte) value);
        return id;
    }

    static List<Row> rows() {
        List<Row> rows = new java.util.ArrayList<>(precedenceRows());
        rows.addAll(meetingRows());
        return rows;
    }

    /** One row per result in precedence order, then boundaries that must pass. */
    static List<Row> precedenceRows() {
        return List.of(
            new Row("malformed (as ingest marks it)", Result.MALFORMED, -1, item -> item.ingestMalformed = true),
            new Row("malformed (negative amount built by hand)", Result.MALFORMED, -1, item -> item.amount = -5),
            new Row("id_mismatch", Result.ID_MISMATCH, -1, item -> item.givenId = filled(7)),
            new Row("amount_must_be_positive", Result.AMOUNT_MUST_BE_POSITIVE, -1, item -> item.amount = 0),
            new Row("accounts_must_be_different", Result.ACCOUNTS_MUST_BE_DIFFERENT, -1, item -> item.receiver = 1),
            new Row("parents_count_invalid (none)", Result.PARENTS_COUNT_INVALID, -1,
                    item -> item.parents = new byte[0][]),
            new Row("parents_count_invalid (nine)", Result.PARENTS_COUNT_INVALID, -1, item -> item.parents = nine()),
            new Row("parents_duplicate", Result.PARENTS_DUPLICATE, -1,
                    item -> item.parents = new byte[][] {item.parents[0], filled(3), item.parents[0]}),
            new Row("memo_too_long (129 bytes)", Result.MEMO_TOO_LONG, -1, item -> item.memo = new byte[129]),
            new Row("timestamp_in_future (60001 ms ahead)", Result.TIMESTAMP_IN_FUTURE, -1,
                    item -> item.timestamp = NOW_MS + 60_001),
            new Row("issuer_requires_admin", Result.ISSUER_REQUIRES_ADMIN, -1, item -> item.sender = 0),
            new Row("exists (same position as committed)", Result.EXISTS, 2, ValidatorTableTest::repeatMove),
            new Row("parent_not_found", Result.PARENT_NOT_FOUND, -1,
                    item -> item.parents = new byte[][] {item.parents[0], filled(9)}),
            new Row("timestamp_before_parent", Result.TIMESTAMP_BEFORE_PARENT, -1, item -> item.timestamp = NOW_MS - 1),
            new Row("seq_reused", Result.SEQ_REUSED, -1, item -> item.seq = 1),
            new Row("seq_gap", Result.SEQ_GAP, -1, item -> item.seq = 3),
            new Row("insufficient_funds", Result.INSUFFICIENT_FUNDS, -1, item -> item.amount = 901),
            new Row("overflow (issuer below -(2^63-1))", Result.OVERFLOW, -1, ValidatorTableTest::issueTooMuch),
            new Row("accepted", Result.ACCEPTED, 3, item -> { }),
            // boundaries that must pass
            new Row("accepted: 60000 ms ahead", Result.ACCEPTED, 3, item -> item.timestamp = NOW_MS + 60_000),
            new Row("accepted: memo of 128 bytes", Result.ACCEPTED, 3, item -> item.memo = new byte[128]),
            new Row("accepted: three parents, all known", Result.ACCEPTED, 3,
                    item -> item.parents = new byte[][] {item.parents[0], ISSUE_PARENT.get(), GENESIS_PARENT.get()}),
            new Row("accepted: the whole balance", Result.ACCEPTED, 3, item -> item.amount = 900),
            new Row("accepted: issuer down to exactly -(2^63-1)", Result.ACCEPTED, 3, ValidatorTableTest::issueAll),
            new Row("accepted: equal timestamp to parent", Result.ACCEPTED, 3, item -> item.timestamp = NOW_MS),
            new Row("seq_reused: issuer seq 0 (genesis has it)", Result.SEQ_REUSED, -1, ValidatorTableTest::issuerSeqZero),
            new Row("seq_gap: seq 0 of an account", Result.SEQ_GAP, -1, item -> item.seq = 0));
    }

    /** Two failures meet: the earlier one wins. */
    static List<Row> meetingRows() {
        return List.of(
            new Row("id_mismatch beats amount 0", Result.ID_MISMATCH, -1, item -> {
                item.givenId = filled(7);
                item.amount = 0;
            }),
            new Row("amount 0 beats same accounts", Result.AMOUNT_MUST_BE_POSITIVE, -1, item -> {
                item.amount = 0;
                item.receiver = 1;
            }),
            new Row("same accounts beats no parents", Result.ACCOUNTS_MUST_BE_DIFFERENT, -1, item -> {
                item.receiver = 1;
                item.parents = new byte[0][];
            }),
            new Row("parent count beats memo", Result.PARENTS_COUNT_INVALID, -1, item -> {
                item.parents = nine();
                item.memo = new byte[200];
            }),
            new Row("duplicate beats memo", Result.PARENTS_DUPLICATE, -1, item -> {
                item.parents = new byte[][] {item.parents[0], item.parents[0]};
                item.memo = new byte[200];
            }),
            new Row("memo beats future", Result.MEMO_TOO_LONG, -1, item -> {
                item.memo = new byte[200];
                item.timestamp = NOW_MS + 120_000;
            }),
            new Row("future beats issuer without admin", Result.TIMESTAMP_IN_FUTURE, -1, item -> {
                item.sender = 0;
                item.timestamp = NOW_MS + 120_000;
            }),
            new Row("issuer without admin beats exists", Result.ISSUER_REQUIRES_ADMIN, -1, item -> {
                repeatIssue(item);
                item.admin = false;
            }),
            new Row("exists beats everything stateful after it", Result.EXISTS, 1, ValidatorTableTest::repeatIssue),
            new Row("parent_not_found beats timestamp before another parent", Result.PARENT_NOT_FOUND, -1, item -> {
                item.parents = new byte[][] {item.parents[0], filled(9)};
                item.timestamp = NOW_MS - 1;
            }),
            new Row("timestamp_before_parent beats seq_gap", Result.TIMESTAMP_BEFORE_PARENT, -1, item -> {
                item.timestamp = NOW_MS - 1;
                item.seq = 5;
            }),
            new Row("seq_reused beats insufficient_funds", Result.SEQ_REUSED, -1, item -> {
                item.seq = 1;
                item.amount = 5000;
            }),
            new Row("seq_gap beats insufficient_funds", Result.SEQ_GAP, -1, item -> {
                item.seq = 9;
                item.amount = 5000;
            }),
            new Row("malformed beats id_mismatch", Result.MALFORMED, -1, item -> {
                item.givenId = filled(7);
                item.seq = -1;
            }));
    }

    private static byte[][] nine() {
        byte[][] parents = new byte[9][];
        for (int k = 0; k < 9; k++) {
            parents[k] = filled(k + 20);
        }
        return parents;
    }

    private static void repeatMove(Item item) {
        item.seq = 1;
        item.amount = 100;
        item.parents = new byte[][] {ISSUE_PARENT.get()};
    }

    private static void repeatIssue(Item item) {
        item.sender = 0;
        item.receiver = 1;
        item.amount = 1000;
        item.seq = 1;
        item.admin = true;
        item.parents = new byte[][] {GENESIS_PARENT.get()};
    }

    private static void issueTooMuch(Item item) {
        issueAll(item);
        item.amount = Long.MAX_VALUE - 999;
    }

    private static void issueAll(Item item) {
        item.sender = 0;
        item.receiver = 3;
        item.seq = 2;
        item.admin = true;
        item.amount = Long.MAX_VALUE - 1000;
    }

    private static void issuerSeqZero(Item item) {
        item.sender = 0;
        item.admin = true;
        item.seq = 0;
    }

    /** Ids of the world under test, set before each row's change runs. */
    private static final ThreadLocal<byte[]> ISSUE_PARENT = new ThreadLocal<>();
    private static final ThreadLocal<byte[]> GENESIS_PARENT = new ThreadLocal<>();

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void firstFailureWins(Row row) {
        World world = new World();
        ISSUE_PARENT.set(world.issue);
        GENESIS_PARENT.set(world.genesis);
        Item item = new Item();
        item.parents = new byte[][] {world.move};
        row.change().accept(item);
        long before = world.kernel.nextPosition();
        TransferBatch batch = world.run(item);
        assertEquals(row.expected(), batch.result(0), row.name());
        assertEquals(row.expectedPosition(), batch.position[0], row.name());
        assertEquals(row.expected() == Result.ACCEPTED ? before + 1 : before, world.kernel.nextPosition());
        assertEquals(0, world.kernel.balanceSum());
    }
}
