package omni.cluster;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntPredicate;

import omni.config.Setting;
import omni.config.Settings;
import omni.gateway.Gateway;
import omni.gateway.InternalService;
import omni.kernel.Kernel;
import omni.ledger.ClusterSource;
import omni.ledger.ComponentInfo;
import omni.ledger.EmbeddedStore;
import omni.ledger.Engine;
import omni.ledger.EngineTransferLookup;
import omni.ledger.Ledger;
import omni.ledger.LocalLedger;
import omni.proof.LevelCache;
import omni.proof.NodeKey;
import omni.proof.Prover;

/**
 * A real ledger for the forwarding tests: its own embedded store and engine, a {@link LocalLedger}, and (when given
 * a cluster secret) a gateway on a free port serving only the internal routes. {@link #holdOnly} drops from its
 * kernel every partition it is not to own, so that it really holds and validates only its own senders.
 */
final class Member implements AutoCloseable {
    private static final long READY_WAIT_MS = 30_000;

    final EmbeddedStore store;
    final Engine engine;
    final LocalLedger ledger;
    private final Gateway gateway;
    private final Path dir;

    private Member(Path dir, EmbeddedStore store, Engine engine, LocalLedger ledger, Gateway gateway) {
        this.dir = dir;
        this.store = store;
        this.engine = engine;
        this.ledger = ledger;
        this.gateway = gateway;
    }

    /** A started, ready member in a new directory; with the internal routes on HTTP when {@code secret} is set. */
    static Member start(String secret) throws Exception {
        Path dir = Files.createTempDirectory("omni-member");
        EmbeddedStore store = new EmbeddedStore(dir);
        Engine engine = new Engine(store, "omni", HazelcastPartitioning::partitionOf);
        engine.start();
        if (!engine.awaitReady(READY_WAIT_MS)) {
            throw new IllegalStateException("member not ready: " + engine.notReadyReason());
        }
        NodeKey key = NodeKey.loadOrCreate(dir);
        LevelCache levels = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        LocalLedger.Identity identity = new LocalLedger.Identity("omni", () -> "127.0.0.1:0",
                () -> new ComponentInfo(store.kind(), "test", false, store.description()),
                () -> new ComponentInfo("in-process", "this process", false, "in-process bus"),
                ClusterSource.single("omni", () -> "127.0.0.1:0"));
        LocalLedger ledger = new LocalLedger(engine, store, new EngineTransferLookup(engine),
                new Prover(store, levels, key.publicKey()), key.publicKey(), identity);
        Gateway gateway = null;
        if (secret != null) {
            Settings settings = Settings.of(Map.of(Setting.DATA_DIR, dir.toString(), Setting.HTTP_PORT, "0",
                    Setting.HTTP_HOST, "127.0.0.1"));
            gateway = InternalService.mount(Gateway.builder(settings), ledger, secret).build().start();
        }
        return new Member(dir, store, engine, ledger, gateway);
    }

    String apiUrl() {
        return "http://127.0.0.1:" + gateway.port();
    }

    /** Drops every partition {@code owned} rejects: the kernel is idle between requests, and the drop locks it. */
    void holdOnly(IntPredicate owned) {
        Kernel kernel = engine.kernel();
        for (int p = 0; p < Kernel.PARTITION_COUNT; p++) {
            if (!owned.test(p)) {
                kernel.dropPartition(p);
            }
        }
    }

    /** The answer of {@code ledger} to a JSON array body, as a string. */
    static String submit(Ledger ledger, String body, boolean issuerAllowed) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String[] answer = new String[1];
        ledger.submit(new ByteArrayInputStream(bytes), bytes.length, false, issuerAllowed,
                (json, offset, size) -> answer[0] = new String(json, offset, size, StandardCharsets.UTF_8));
        return answer[0];
    }

    @Override
    public void close() throws Exception {
        if (gateway != null) {
            gateway.stop();
        }
        engine.close();
        store.close();
        deleteTree(dir);
    }

    /** Deletes a directory and everything in it, deepest first. */
    static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
