package omni.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import java.util.Map;
import java.util.logging.Logger;

import omni.bus.BusState;
import omni.bus.EventBus;
import omni.bus.InProcessBus;
import omni.bus.RedisBus;
import omni.cluster.ClusterMetrics;
import omni.cluster.HazelcastPartitioning;
import omni.config.BuildInfo;
import omni.config.Setting;
import omni.config.Settings;
import omni.config.SettingsException;
import omni.console.ConsoleService;
import omni.console.ConsoleSource;
import omni.console.SecurityHeaders;
import omni.gateway.EventService;
import omni.gateway.Gateway;
import omni.gateway.LedgerApi;
import omni.ledger.ComponentInfo;
import omni.ledger.Engine;
import omni.ledger.EngineTransferLookup;
import omni.ledger.Ledger;
import omni.ledger.LocalLedger;
import omni.ledger.Store;
import omni.ledger.StoreEventSource;
import omni.ledger.Stores;
import omni.metrics.PrometheusMetrics;
import omni.proof.Checkpointer;
import omni.proof.LevelCache;
import omni.proof.NodeKey;
import omni.proof.Prover;
import omni.proof.StorageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code omni serve}: reads the settings, builds the node's components, starts the gateway, prints one start-up
 * line, and runs until SIGTERM/SIGINT. This class is the composition root: components are built and wired in
 * {@link #start}, and each registers its shutdown hook there, in stop order.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs the node (the default command). Every setting below can also come from the environment "
                + "or omni.yaml.")
public final class ServeCommand implements Callable<Integer>, ConfiguredCommand {
    static final int EXIT_BAD_CONFIG = 2;
    static final int EXIT_START_FAILED = 1;
    /** How often the bus and checkpointer look again whether storage is ready for them. */
    private static final long START_RETRY_MS = 1_000;
    /**
     * How long serve waits for the first recovery before it prints the start-up line anyway (saying why it is
     * not ready): long enough to replay about ten million transfers here.
     */
    private static final long READY_WAIT_MS = 30_000;
    private static final Logger LOG = Logger.getLogger(ServeCommand.class.getName());

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default ./omni.yaml if present).")
    Path configFile;

    /** A started node: its gateway and the shutdown sequence that stops it. */
    public record Node(Settings settings, Gateway gateway, Shutdown shutdown, Engine engine, Ledger ledger,
                       CountDownLatch started) {
        /** Waits until storage is replayed and the bus and checkpointer run; false after {@code timeoutMs}. */
        public boolean awaitStarted(long timeoutMs) throws InterruptedException {
            return started.await(timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintStream out = System.out;
        Settings settings;
        try {
            settings = SettingOptions.load(spec, configFile);
        } catch (SettingsException e) {
            System.err.println("omni: " + e.getMessage());
            return EXIT_BAD_CONFIG;
        }
        settings.warnings().forEach(w -> System.err.println("omni: warning: " + w));
        Shutdown shutdown = new Shutdown();
        shutdown.installSignalHandlers();
        Node node;
        try {
            node = start(settings, shutdown);
        } catch (IOException | RuntimeException e) {
            System.err.println("omni: cannot start: " + e.getMessage());
            shutdown.run();
            return EXIT_START_FAILED;
        }
        if (node.awaitStarted(READY_WAIT_MS)) {
            out.println(readyLine(node));
        } else {
            out.println(readyLine(node).replace(" ready at ", " started, NOT READY (" + node.engine().notReadyReason()
                    + "), at "));
        }
        out.println(adminTokenLine(node));
        out.flush();
        return shutdown.await();
    }

    /**
     * Builds and starts every component of a node. Shutdown hooks are registered in stop order: event streams
     * close, the gateway drains, then the checkpointer, the engine (which commits what it sequenced), the bus,
     * the store.
     */
    public static Node start(Settings settings, Shutdown shutdown) throws IOException {
        // First of all, while this is the only thread that registers meters (see PrometheusMetrics).
        PrometheusMetrics.bindJvmMeters();
        Store store = Stores.create(settings.dbUrl(), settings.string(Setting.DB_USER),
                settings.string(Setting.DB_PASSWORD), settings.dataDir());
        Engine engine = new Engine(store, settings.ledgerName(), HazelcastPartitioning::partitionOf);
        StoreEventSource source = new StoreEventSource(store);
        EventBus bus = settings.redisUrl().isEmpty() ? new InProcessBus() : new RedisBus(settings.redisUrl(), source);
        NodeKey key = NodeKey.loadOrCreate(settings.dataDir());
        LevelCache levels = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        Checkpointer checkpointer = new Checkpointer(store, key, levels,
                settings.longValue(Setting.CHECKPOINT_INTERVAL_MS),
                checkpoint -> bus.publishCheckpoint(checkpoint.seq(), checkpoint.toJson()));
        engine.onCommitted((first, last, ids, offset) -> {
            bus.publishCommit(first, last, ids, offset);
            checkpointer.committed(first, last, ids, offset);
        });
        EventService events = new EventService(bus, source);
        ClusterMetrics.registerSingleMember();
        Prover prover = new Prover(store, levels, key.publicKey());
        var consoleSampler = ConsoleService.sampler();
        // The node id names the port the gateway listens on, known once it has started.
        AtomicReference<Gateway> listening = new AtomicReference<>();
        String hostName = Gateway.hostName();
        LocalLedger.Identity identity = new LocalLedger.Identity(settings.ledgerName(),
                settings.string(Setting.CLUSTER_NAME), () -> hostName + ":" + port(listening.get()),
                () -> storageInfo(settings, store), () -> busInfo(bus.state()));
        // The console reads the same records as the API: through the node's Ledger.
        Ledger ledger = new LocalLedger(engine, store, new EngineTransferLookup(engine), prover, key.publicKey(),
                identity);
        ConsoleSource consoleSource = new ConsoleSource(ledger, engine::committedPosition,
                settings.longValue(Setting.CHECKPOINT_INTERVAL_MS));
        // The node serves plain HTTP; when it serves TLS this flag makes the console's session cookie Secure.
        boolean tls = false;
        Gateway gateway = LedgerApi.mount(Gateway.builder(settings), ledger)
                .api(events)
                .mountBuilt("/", g -> new ConsoleService(g, consoleSource, consoleSampler, tls))
                .feature(ConsoleService.assets())
                .filter(new SecurityHeaders())
                .build();
        listening.set(gateway);
        // Event streams never end by themselves: close them first so the gateway drains without waiting them out.
        shutdown.register("events", events::close);
        // Closing the sampler ends the console's event streams too.
        shutdown.register("console", consoleSampler::close);
        shutdown.register("gateway", gateway::stop);
        shutdown.register("checkpointer", checkpointer::close);
        shutdown.register("engine", engine);
        shutdown.register("bus", bus);
        shutdown.register("storage", store);
        engine.start();
        CountDownLatch started = startWhenReady(engine, bus, checkpointer);
        gateway.start();
        return new Node(settings, gateway, shutdown, engine, ledger, started);
    }

    private static int port(Gateway gateway) {
        return gateway == null ? -1 : gateway.port();
    }

    /**
     * The bus reads its Redis watermark and the checkpointer the chain head from storage, so both start once the
     * engine has opened the store and replayed it; while storage is down that may take a while, hence a thread
     * of its own that retries. The latch opens when both run.
     */
    private static CountDownLatch startWhenReady(Engine engine, EventBus bus, Checkpointer checkpointer) {
        CountDownLatch started = new CountDownLatch(1);
        Thread.ofVirtual().name("omni-start-when-ready").start(() -> {
            try {
                while (!engine.awaitReady(START_RETRY_MS)) {
                    LOG.info("waiting for storage: " + engine.notReadyReason());
                }
                bus.start();
                while (!startCheckpointer(checkpointer)) {
                    Thread.sleep(START_RETRY_MS);
                }
                started.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return started;
    }

    private static boolean startCheckpointer(Checkpointer checkpointer) {
        try {
            checkpointer.start();
            return true;
        } catch (StorageException e) {
            LOG.warning("checkpointer not started yet: " + e.getMessage());
            return false;
        }
    }

    static ComponentInfo storageInfo(Settings settings, Store store) {
        return new ComponentInfo(store.kind(), storageTarget(settings), !settings.dbUrl().isEmpty(), store.description());
    }

    /** Where the ledger lives, without the URL's query string (it may carry a password). */
    static String storageTarget(Settings settings) {
        if (settings.dbUrl().isEmpty()) {
            return settings.dataDir().resolve("ledger").toString();
        }
        String target = settings.dbUrl().substring("jdbc:postgresql://".length());
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    static ComponentInfo busInfo(BusState state) {
        return new ComponentInfo(state.kind(), state.target() == null ? "this process" : state.target(),
                BusState.REDIS.equals(state.kind()), state.describe(),
                Map.of("connected", state.connected(), "backlog", state.backlog(), "detail", state.detail()));
    }

    /** {@code OMNI <version> ready at http://<host>:<port> — storage: …, bus: …, cluster: …} */
    static String readyLine(Node node) {
        String host = node.settings().httpHost();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "localhost";
        }
        return "OMNI " + BuildInfo.version() + " ready at http://" + host + ":" + node.gateway().port()
                + " \u2014 storage: " + node.ledger().node().storage().description()
                + ", bus: " + node.ledger().node().bus().description()
                + ", cluster: " + node.ledger().node().cluster().description();
    }

    static String adminTokenLine(Node node) {
        Path file = node.gateway().tokens().adminTokenFile();
        return file == null
                ? "Admin token: from OMNI_ADMIN_TOKEN (admin.token)."
                : "Admin token: in " + file.toAbsolutePath().normalize() + " (mode 0600); send it as Authorization: Bearer <token>.";
    }
}
