package omni.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

class PostgresLedgerAuditTest extends LedgerAuditContractTest {
    private String database;

    @BeforeEach
    void createDatabase() throws Exception {
        database = TestDatabases.create("audit");
    }

    @AfterEach
    void dropDatabase() throws Exception {
        TestDatabases.drop(database);
    }

    @Override
    JdbcStore newStore() {
        return new PostgresStore(TestDatabases.url(database), TestDatabases.USER, "", false);
    }
}
