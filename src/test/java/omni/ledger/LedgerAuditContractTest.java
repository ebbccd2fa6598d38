package omni.ledger;

import omni.kernel.TransferBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audit is clean on a valid ledger and finds each kind of corruption injected with plain SQL. */
abstract class LedgerAuditContractTest {
    static final int TRANSFER_COUNT = 3_000;

    abstract JdbcStore newStore();

    @FunctionalInterface
    interface Mutation {
        void apply(Connection c) throws SQLException;
    }

    enum Corruption {
        NONE(null, c -> { }),
        WRONG_ID("id_mismatch", c -> update(c, "UPDATE transfers SET id = ? WHERE position = 1500", new byte[32])),
        WRONG_BALANCE("balance_mismatch", c -> update(c,
                "UPDATE account_balances SET balance = balance + 1 WHERE account = 3")),
        SUM_NOT_ZERO("sum_not_zero", c -> update(c,
                "UPDATE account_balances SET balance = balance + 1 WHERE account = 3")),
        SEQ_GAP("seq_not_contiguous", c -> update(c, "UPDATE transfers SET seq = seq + 1 WHERE position = 2000")),
        MISSING_PARENT("parent_missing", c -> update(c, "UPDATE transfers SET parents = ? WHERE position = 2500",
                new byte[32])),
        POSITION_GAP("positions_not_contiguous", c -> update(c, "DELETE FROM transfers WHERE position = 1000")),
        TIMESTAMP_BEFORE_PARENT("timestamp_before_parent", c -> update(c,
                "UPDATE transfers SET timestamp = 0 WHERE position = 2999"));

        final String expectedKind;
        final Mutation mutation;

        Corruption(String expectedKind, Mutation mutation) {
            this.expectedKind = expectedKind;
            this.mutation = mutation;
        }
    }

    static void update(Connection c, String sql, byte[]... parameters) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int k = 0; k < parameters.length; k++) {
                p.setBytes(k + 1, parameters[k]);
            }
            assertTrue(p.executeUpdate() > 0, sql);
        }
    }

    /** Deleted rows are one finding naming every missing position, and the audit reads on past them. */
    @org.junit.jupiter.api.Test
    void aGapNamesEveryMissingPositionAndTheAuditGoesOn() throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), "omni", 10);
        try (JdbcStore store = newStore()) {
            store.open("omni");
            store.append(new TransferBatch[] {g.batch(TRANSFER_COUNT, 0)}, 1);
            try (Connection c = store.connection("corrupt")) {
                update(c, "DELETE FROM transfers WHERE position BETWEEN 1200 AND 1202");
                update(c, "DELETE FROM transfers WHERE position = 2000");
            }
            LedgerAudit.Report report = new LedgerAudit(store, "omni", 2).run((done, total) -> { });
            assertTrue(report.problems().contains("positions_not_contiguous: positions 1200..1202: missing, next stored "
                    + "is 1203"), report.problems().toString());
            // Only the first problems are listed, and the rows missing at 1200..1202 cause many; both gaps are counted.
            assertEquals(2, report.countsByKind().get("positions_not_contiguous"));
            assertEquals(TRANSFER_COUNT + 1 - 4, report.transferCount());
        }
    }

    @ParameterizedTest
    @EnumSource(Corruption.class)
    void auditFindsWhatWasInjectedAndNothingOnACleanLedger(Corruption corruption) throws Exception {
        LedgerGenerator g = new LedgerGenerator(System.nanoTime(), "omni", 10);
        try (JdbcStore store = newStore()) {
            store.open("omni");
            TransferBatch[] batches = {g.batch(TRANSFER_COUNT / 2, 0), g.batch(TRANSFER_COUNT / 2, 0)};
            store.append(batches, 2);
            while (store.projectStep() > 0) {
                // project everything, so that balance corruptions land in account_balances
            }
            try (Connection c = store.connection("corrupt")) {
                corruption.mutation.apply(c);
            }
            long[] progressCalls = {0};
            LedgerAudit.Report report = new LedgerAudit(store, "omni", 2).run((done, total) -> progressCalls[0]++);
            assertTrue(progressCalls[0] > 0);
            if (corruption.expectedKind == null) {
                assertTrue(report.clean(), report.problems().toString());
                assertEquals(TRANSFER_COUNT + 1, report.transferCount());
                assertEquals(g.balance.size(), report.accountCount());
            } else {
                assertFalse(report.clean());
                assertTrue(report.countsByKind().containsKey(corruption.expectedKind),
                        corruption + " gave " + report.countsByKind() + ": " + report.problems());
                assertTrue(report.problems().size() <= LedgerAudit.PROBLEMS_LISTED_MAX);
            }
        }
    }
}
