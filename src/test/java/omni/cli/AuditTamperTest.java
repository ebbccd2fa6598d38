package omni.cli;

import omni.ReliabilityLog;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import omni.ledger.EmbeddedStore;
import omni.ledger.PostgresStore;
import omni.ledger.Store;
import omni.proof.Checkpointer;
import omni.proof.LevelCache;
import omni.proof.NodeKey;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rows altered or deleted behind the node's back, as someone with access to the database would do it: each is
 * found by {@code omni audit} as a finding naming the row, with exit 1, on a private PostgreSQL database and
 * on the embedded store. Each case prints one summary line ("audit tamper: ...") for the README's table.
 */
class AuditTamperTest {
    static final int TRANSFER_COUNT = 100;
    /** The row every transfer tampering touches: sealed by the first checkpoint, with later transfers after it. */
    static final long TAMPERED_POSITION = 25;
    /** An account the generator always funds, so its projected balance row exists. */
    static final long TAMPERED_ACCOUNT = 3;
    private static final String PG_SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private static final long PROJECTION_WAIT_MS = 20_000;

    @FunctionalInterface
    interface Tampering {
        void apply(Connection c) throws SQLException;
    }

    enum Kind {
        AMOUNT("amount altered at position " + TAMPERED_POSITION,
                "id_mismatch: position " + TAMPERED_POSITION + ": stored id",
                c -> update(c, "UPDATE transfers SET amount = amount + 1 WHERE position = " + TAMPERED_POSITION)),
        PARENT("parent altered at position " + TAMPERED_POSITION,
                "parent_missing: position " + TAMPERED_POSITION + ": parent " + "00".repeat(32),
                c -> update(c, "UPDATE transfers SET parents = ? WHERE position = " + TAMPERED_POSITION, new byte[32])),
        ID("id altered at position " + TAMPERED_POSITION,
                "id_mismatch: position " + TAMPERED_POSITION + ": stored id " + "ab".repeat(32),
                c -> update(c, "UPDATE transfers SET id = ? WHERE position = " + TAMPERED_POSITION, filled(0xab))),
        CHECKPOINT_ROOT("checkpoint root altered in checkpoint 1",
                "checkpoint 1: root_mismatch: root is " + "00".repeat(32),
                c -> update(c, "UPDATE checkpoints SET root = ? WHERE seq = 1", new byte[32])),
        PROJECTED_BALANCE("projected balance altered for account " + TAMPERED_ACCOUNT,
                "balance_mismatch: account " + TAMPERED_ACCOUNT + ": stored balance",
                c -> update(c, "UPDATE account_balances SET balance = balance + 1 WHERE account = " + TAMPERED_ACCOUNT)),
        DELETED_ROW("deleted transfer row at position " + TAMPERED_POSITION,
                "positions_not_contiguous: position " + TAMPERED_POSITION + ": missing",
                c -> update(c, "DELETE FROM transfers WHERE position = " + TAMPERED_POSITION));

        final String what;
        final String expectedFinding;
        final Tampering tampering;
        /** The statement as the README shows it. */
        final String sql;

        Kind(String what, String expectedFinding, Tampering tampering) {
            this.what = what;
            this.expectedFinding = expectedFinding;
            this.tampering = tampering;
            this.sql = switch (what.substring(0, what.indexOf(' '))) {
                case "amount" -> "UPDATE transfers SET amount = amount + 1";
                case "parent" -> "UPDATE transfers SET parents = (32 zero bytes)";
                case "id" -> "UPDATE transfers SET id = (32 bytes 0xab)";
                case "checkpoint" -> "UPDATE checkpoints SET root = (32 zero bytes) WHERE seq = 1";
                case "projected" -> "UPDATE account_balances SET balance = balance + 1 WHERE account = " + TAMPERED_ACCOUNT;
                default -> "DELETE FROM transfers";
            } + (what.contains("position") ? " WHERE position = " + TAMPERED_POSITION : "");
        }
    }

    @TempDir
    Path dataDir;

    @ParameterizedTest
    @EnumSource(Kind.class)
    void embedded(Kind kind) throws Exception {
        try (Store store = new EmbeddedStore(dataDir)) {
            build(store);
        }
        String url = "jdbc:h2:file:" + dataDir.resolve("ledger").resolve("ledger").toAbsolutePath() + ";NON_KEYWORDS=VALUE";
        tamperAuditAndReport(kind, "the embedded store", () -> DriverManager.getConnection(url),
                "--data-dir", dataDir.toString());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void postgresql(Kind kind) throws Exception {
        String name = "omni_t_tamper_" + Long.toHexString(new Random().nextLong() >>> 1);
        admin("CREATE DATABASE " + name);
        try {
            try (Store store = new PostgresStore(PG_SERVER + name, "postgres", "")) {
                build(store);
            }
            tamperAuditAndReport(kind, "PostgreSQL", () -> DriverManager.getConnection(PG_SERVER + name, "postgres", ""),
                    "--db-url", PG_SERVER + name, "--db-user", "postgres", "--data-dir", dataDir.toString());
        } finally {
            admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    @FunctionalInterface
    interface Connector {
        Connection connect() throws SQLException;
    }

    private static void tamperAuditAndReport(Kind kind, String storeName, Connector connector, String... options)
            throws SQLException {
        String before = audit(options);
        assertTrue(before.startsWith("0\n"), "not clean before tampering: " + before);
        try (Connection c = connector.connect()) {
            kind.tampering.apply(c);
        }
        String after = audit(options);
        assertTrue(after.startsWith(AuditCommand.EXIT_PROBLEMS + "\n"), kind + " on " + storeName + ": " + after);
        String found = after.lines().map(String::strip).filter(l -> l.startsWith(kind.expectedFinding)).findFirst()
                .orElse(null);
        assertTrue(found != null, kind + " on " + storeName + " not named as expected (" + kind.expectedFinding + "): "
                + after);
        if (kind == Kind.DELETED_ROW) {
            assertTrue(after.contains("checkpoint 1: position_missing: position " + TAMPERED_POSITION + " is not stored"),
                    after);
        }
        System.out.println("audit tamper: " + kind.what + " on " + storeName + " -> exit 1, found: \"" + found + "\"");
        ReliabilityLog.held("Tampering: " + kind.what + " (" + storeName + ")", TRANSFER_COUNT
                + " transfers in 2 checkpoints, then " + kind.sql + " behind the node's back",
                "omni audit exit 1, found `" + found + "`");
    }

    /** Runs {@code omni audit} with {@code options}; answers the exit code and the report, one line each. */
    private static String audit(String... options) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(new StringWriter(), true));
        String[] args = new String[options.length + 1];
        args[0] = "audit";
        System.arraycopy(options, 0, args, 1, options.length);
        int exit = commandLine.execute(args);
        return exit + "\n" + out;
    }

    /**
     * A valid ledger of {@link #TRANSFER_COUNT} transfers in two appends, each sealed into a checkpoint, and
     * projected into account_balances.
     */
    private void build(Store store) throws Exception {
        store.open("omni");
        Chain chain = new Chain(new Random(41));
        NodeKey key = NodeKey.loadOrCreate(dataDir);
        Checkpointer checkpointer = new Checkpointer(store, key, new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT), 60_000, c -> { });
        store.append(new TransferBatch[] {chain.batch(TRANSFER_COUNT / 2)}, 1);
        checkpointer.sealOnce();
        store.append(new TransferBatch[] {chain.batch(TRANSFER_COUNT / 2)}, 1);
        checkpointer.sealOnce();
        long deadline = System.nanoTime() + PROJECTION_WAIT_MS * 1_000_000;
        while (store.getMeta("projector.position", 0) < TRANSFER_COUNT) {
            assertTrue(System.nanoTime() < deadline, "projection did not reach position " + TRANSFER_COUNT);
            Thread.sleep(10);
        }
        assertEquals(TRANSFER_COUNT, store.lastPosition());
    }

    /**
     * Valid transfers: mints of 1,000,000 to accounts 1..5 first, then payments of at most 100 between them (so
     * nobody runs dry), each the child of the one before.
     */
    static final class Chain {
        private final Random random;
        private final TransferIds ids = new TransferIds();
        private final Map<Long, Long> seq = new HashMap<>();
        private byte[] lastId = TransferIds.genesisId("omni");
        private long position = 1;

        Chain(Random random) {
            this.random = random;
        }

        TransferBatch batch(int count) {
            TransferBatch b = new TransferBatch();
            for (int i = 0; i < count; i++, position++) {
                long sender = position <= 5 ? 0 : 1 + random.nextInt(5);
                long receiver = position <= 5 ? position : 1 + (sender + random.nextInt(4)) % 5;
                long amount = sender == 0 ? 1_000_000 : 1 + random.nextInt(100);
                long senderSeq = seq.merge(sender, 1L, Long::sum);
                b.sender[i] = sender;
                b.receiver[i] = receiver;
                b.amount[i] = amount;
                b.seq[i] = senderSeq;
                b.timestamp[i] = 1_764_130_000_000L + position;
                b.parentCount[i] = 1;
                b.parentOffset[i] = b.reserveParents(1);
                System.arraycopy(lastId, 0, b.parents, b.parentOffset[i], TransferBatch.ID_SIZE);
                b.memoSize[i] = 0;
                b.memoOffset[i] = b.memosSize;
                ids.computeId(b, i);
                lastId = java.util.Arrays.copyOfRange(b.id, i * TransferBatch.ID_SIZE, (i + 1) * TransferBatch.ID_SIZE);
                b.result[i] = Result.ACCEPTED.code();
                b.position[i] = position;
                b.count = i + 1;
            }
            return b;
        }
    }

    static void update(Connection c, String sql, byte[]... parameters) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int k = 0; k < parameters.length; k++) {
                p.setBytes(k + 1, parameters[k]);
            }
            assertEquals(1, p.executeUpdate(), sql);
        }
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    private static void admin(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(PG_SERVER + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
