package omni.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/** Private PostgreSQL databases on the shared test server (127.0.0.1:5432, trust auth), dropped after use. */
public final class TestDatabases {
    public static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    public static final String USER = "postgres";

    private TestDatabases() {
    }

    public static String create(String purpose) throws SQLException {
        String name = "omni_t_" + purpose + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        admin("CREATE DATABASE " + name);
        return name;
    }

    public static void drop(String name) throws SQLException {
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    public static String url(String name) {
        return SERVER + name;
    }

    public static Connection connect(String name) throws SQLException {
        return DriverManager.getConnection(url(name), USER, "");
    }

    private static void admin(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", USER, "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
