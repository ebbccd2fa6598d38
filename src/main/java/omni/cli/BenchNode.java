package omni.cli;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import omni.config.Setting;
import omni.config.Settings;

/**
 * The node {@code omni bench} starts in-process when it is given no {@code --url}: the same composition as
 * {@code omni serve} ({@link ServeCommand#start}), on 127.0.0.1 with a free port, a fresh admin token, and the
 * embedded store in the data directory or PostgreSQL at {@code --db-url}.
 */
final class BenchNode implements AutoCloseable {
    private final ServeCommand.Node node;
    private final String adminToken;

    private BenchNode(ServeCommand.Node node, String adminToken) {
        this.node = node;
        this.adminToken = adminToken;
    }

    static BenchNode start(Path dataDir, String dbUrl) throws Exception {
        byte[] secret = new byte[32];
        ThreadLocalRandom.current().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.HTTP_HOST, "127.0.0.1");
        flags.put(Setting.HTTP_PORT, "0");
        flags.put(Setting.ADMIN_TOKEN, token);
        if (dataDir != null) {
            flags.put(Setting.DATA_DIR, dataDir.toString());
        }
        if (dbUrl != null) {
            flags.put(Setting.DB_URL, dbUrl);
        }
        Settings settings = Settings.load(flags, System.getenv(), null);
        Shutdown shutdown = new Shutdown();
        BenchNode bench = new BenchNode(ServeCommand.start(settings, shutdown), token);
        System.out.println("bench: in-process node at " + bench.url() + ", storage: "
                + bench.node.ledger().node().storage().description());
        return bench;
    }

    String url() {
        return "http://127.0.0.1:" + node.gateway().port();
    }

    String adminToken() {
        return adminToken;
    }

    @Override
    public void close() {
        node.shutdown().run();
    }
}
