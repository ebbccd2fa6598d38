package omni.ledger;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import omni.cli.ServeCommand;
import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;
import omni.config.TestCertificates;

/**
 * PostgreSQL over TLS as the URL asks for it: OMNI passes {@code sslmode} and {@code sslrootcert} of
 * {@code db.url} to the driver as they are. A private server with {@code ssl=on} and a certificate from the
 * test's CA: a node commits over {@code sslmode=require} (the server shows every OMNI connection as TLS) and over
 * {@code verify-full} with the CA; with another CA it stays not ready and says the certificate is the reason, and
 * so does a node that requires TLS of a server that has none.
 */
class PostgresTlsTest {
    private static final String TOKEN = "5".repeat(64);
    private static final int ACCOUNT_COUNT = 4;
    /** A node's first open and replay of a small ledger, on a shared, busy machine. */
    private static final long READY_WAIT_MS = 60_000;

    @Test
    void aNodeCommitsOverTlsWhenTheUrlAsksForItAndRefusesACertificateItCannotVerify() throws Exception {
        assumeTrue(PrivatePostgres.available(), "PostgreSQL's server binaries are not installed");
        try (TestCertificates pki = TestCertificates.create(); TestCertificates other = TestCertificates.create()) {
            TestCertificates.Server server = pki.server("RSA");
            try (PrivatePostgres pg = PrivatePostgres.startWithTls(server.chain(), server.key())) {
                // A fresh ledger for each node: each mints from the issuer's first seq.
                try (Connection c = DriverManager.getConnection(pg.url(), "postgres", "");
                     Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE omni_require");
                    s.execute("CREATE DATABASE omni_verify");
                }
                commitsOver(pg, database(pg, "omni_require") + "?sslmode=require", 1L << 30);
                commitsOver(pg, database(pg, "omni_verify") + "?sslmode=verify-full&sslrootcert=" + pki.ca(), 1L << 31);

                Shutdown shutdown = new Shutdown();
                try {
                    ServeCommand.Node node = ServeCommand.start(settings(pg.url() + "?sslmode=verify-full&sslrootcert="
                            + other.ca()), shutdown);
                    String reason = awaitReason(node, "PKIX path validation failed");
                    assertThat(reason, containsString("SSL error"));
                    assertFalse(node.engine().isReady(), "a node trusting another CA became ready");
                } finally {
                    shutdown.run();
                }
            }
        }
    }

    /** The shared server has ssl off: a URL that requires TLS never falls back to plain TCP, and says why. */
    @Test
    void aUrlThatRequiresTlsOfAServerWithoutItLeavesTheNodeNotReadySayingSo() throws Exception {
        Shutdown shutdown = new Shutdown();
        try {
            ServeCommand.Node node = ServeCommand.start(settings(TestDatabases.SERVER + "test?sslmode=require"),
                    shutdown);
            awaitReason(node, "The server does not support SSL.");
            assertFalse(node.engine().isReady(), "a node that requires TLS became ready on a server without it");
        } finally {
            shutdown.run();
        }
    }

    /** Starts a node on {@code dbUrl}, mints and transfers, checks the balances and that the server saw only TLS. */
    private static void commitsOver(PrivatePostgres pg, String dbUrl, long accountBase) throws Exception {
        Shutdown shutdown = new Shutdown();
        try {
            ServeCommand.Node node = ServeCommand.start(settings(dbUrl), shutdown);
            assertTrue(node.awaitStarted(READY_WAIT_MS), () -> dbUrl + ": " + node.engine().notReadyReason());
            LedgerClient client = new LedgerClient("http://127.0.0.1:" + node.gateway().port(), TOKEN, accountBase,
                    ACCOUNT_COUNT);
            client.mint();
            LedgerClient.Worker worker = client.worker(0, 1);
            SplittableRandom random = new SplittableRandom(accountBase);
            for (int i = 0; i < 5; i++) {
                assertEquals(LedgerClient.Outcome.ACKNOWLEDGED, worker.send(20, random), () -> worker.lastAnswer().body());
            }
            assertEquals(0, client.balanceSum());
            // The test's own connection is plain TCP: only OMNI's pool (ApplicationName omni) is counted.
            try (Connection c = DriverManager.getConnection(pg.url(), "postgres", "");
                 Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE NOT s.ssl)"
                         + " FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'omni'")) {
                assertTrue(r.next());
                assertThat(dbUrl + ": OMNI's connections", r.getLong(1), greaterThan(0L));
                assertEquals(0, r.getLong(2), dbUrl + ": OMNI connections without TLS");
            }
        } finally {
            shutdown.run();
        }
    }

    /** Waits until the node's not-ready reason holds {@code text} (its first attempt may still be running). */
    private static String awaitReason(ServeCommand.Node node, String text) throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + READY_WAIT_MS;
        String reason = node.engine().notReadyReason();
        while ((reason == null || !reason.contains(text)) && System.currentTimeMillis() < deadlineMs) {
            Thread.sleep(50);
            reason = node.engine().notReadyReason();
        }
        assertThat(reason, containsString(text));
        return reason;
    }

    private static String database(PrivatePostgres pg, String name) {
        return pg.url().substring(0, pg.url().lastIndexOf('/') + 1) + name;
    }

    private static Settings settings(String dbUrl) throws Exception {
        return Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                Setting.DATA_DIR, Files.createTempDirectory("omni-pg-tls").toString(), Setting.ADMIN_TOKEN, TOKEN,
                Setting.DB_URL, dbUrl, Setting.DB_USER, "postgres"));
    }
}
