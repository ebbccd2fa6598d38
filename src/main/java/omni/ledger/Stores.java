package omni.ledger;

import java.nio.file.Path;

/** Picks the store from configuration: PostgreSQL when a database URL is set, else embedded. Never both. */
public final class Stores {
    private Stores() {
    }

    /** Not yet opened: call {@link Store#open}. */
    public static Store create(String dbUrl, String dbUser, String dbPassword, Path dataDirectory) {
        if (dbUrl != null && !dbUrl.isBlank()) {
            return new PostgresStore(dbUrl.strip(), dbUser, dbPassword);
        }
        return new EmbeddedStore(dataDirectory);
    }
}
