package omni.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import java.util.HexFormat;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import omni.bus.BusState;
import omni.bus.EventBus;
import omni.bus.InProcessBus;
import omni.bus.RedisBus;
import omni.cluster.ClusterLedger;
import omni.cluster.ClusterMember;
import omni.cluster.CheckpointFollower;
import omni.cluster.ClusterMetrics;
import omni.cluster.HazelcastPartitioning;
import omni.cluster.MembershipConfig;
import omni.config.BuildInfo;
import omni.config.Pem;
import omni.config.Setting;
import omni.config.Settings;
import omni.config.SettingsException;
import omni.console.ConsoleService;
import omni.console.ConsoleSource;
import omni.console.SecurityHeaders;
import omni.gateway.EventService;
import omni.gateway.Gateway;
import omni.gateway.InternalService;
import omni.gateway.LedgerApi;
import omni.ledger.ClusterRole;
import omni.ledger.ClusterSource;
import omni.ledger.ComponentInfo;
import omni.ledger.Engine;
import omni.ledger.EngineTransferLookup;
import omni.ledger.Ledger;
import omni.ledger.LocalLedger;
import omni.ledger.SharedStore;
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
        boolean ready = awaitStarted(node, shutdown);
        if (shutdown.started()) {
            // A component stopped the node while it started (it said why).
            return shutdown.await();
        }
        if (ready) {
            out.println(readyLine(node));
        } else {
            out.println(readyLine(node).replace(" ready at ", " started, NOT READY (" + node.engine().notReadyReason()
                    + "), at "));
        }
        out.println(adminTokenLine(node));
        out.flush();
        return shutdown.await();
    }

    /** Waits for the node to start, at most READY_WAIT_MS, and no longer once its shutdown began. */
    private static boolean awaitStarted(Node node, Shutdown shutdown) throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + READY_WAIT_MS;
        while (!shutdown.started() && System.currentTimeMillis() < deadlineMs) {
            if (node.awaitStarted(100)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Builds and starts every component of a node. Shutdown hooks are registered in stop order: event streams
     * close, the gateway drains, then the checkpointer, the engine (which commits what it sequenced), the bus,
     * the store.
     */
    public static Node start(Settings settings, Shutdown shutdown) throws IOException {
        // TLS files are read before anything starts: a missing or mismatched file stops the start with nothing to undo.
        SSLContext gatewayTls = Gateway.tlsContext(settings);
        SSLContext redisTrust = redisTrust(settings);
        // First of all, while this is the only thread that registers meters (see PrometheusMetrics).
        PrometheusMetrics.bindJvmMeters();
        Store store = Stores.create(settings.dbUrl(), settings.string(Setting.DB_USER),
                settings.string(Setting.DB_PASSWORD), settings.dataDir());
        ClusterMember member = clustered(settings) ? joinCluster(settings, store, gatewayTls != null) : null;
        Engine engine = member == null ? new Engine(store, settings.ledgerName(), HazelcastPartitioning::partitionOf)
                : new Engine(settings.ledgerName(), HazelcastPartitioning::partitionOf,
                        new ClusterRole((SharedStore) store, member.memberId(), member.assignment()));
        StoreEventSource source = new StoreEventSource(store);
        EventBus bus = settings.redisUrl().isEmpty() ? new InProcessBus() : new RedisBus(settings.redisUrl(), redisTrust, source);
        if (member != null && bus instanceof RedisBus redis) {
            // One member publishes to Redis: the one that seals, so its checkpoint events are at hand.
            redis.publishOnlyWhile(member::holdsSealer);
        }
        NodeKey key = NodeKey.loadOrCreate(settings.dataDir());
        LevelCache levels = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        // A node alone always seals; a cluster member only while it holds the sealer lease (a new one each time).
        // A member announces the checkpoints others sealed too, each once (docs/cluster.md).
        CheckpointFollower follower = member == null ? null : new CheckpointFollower(store,
                settings.longValue(Setting.CHECKPOINT_INTERVAL_MS), bus::publishCheckpoint);
        Supplier<Checkpointer> checkpointers = () -> new Checkpointer(store, key, levels,
                settings.longValue(Setting.CHECKPOINT_INTERVAL_MS), follower != null ? follower::sealed
                : checkpoint -> bus.publishCheckpoint(checkpoint.seq(), checkpoint.toJson()));
        AtomicReference<Checkpointer> sealing = new AtomicReference<>(member == null ? checkpointers.get() : null);
        engine.onCommitted((first, last, ids, offset) -> {
            bus.publishCommit(first, last, ids, offset);
            Checkpointer checkpointer = sealing.get();
            if (checkpointer != null) {
                checkpointer.committed(first, last, ids, offset);
            }
        });
        EventService events = new EventService(bus, source);
        if (member == null) {
            ClusterMetrics.registerSingleMember();
        } else {
            member.registerMetrics(engine::heldPartitionCount);
        }
        Prover prover = new Prover(store, levels, key.publicKey());
        var consoleSampler = ConsoleService.sampler();
        // The node id names the port the gateway listens on, known once it has started.
        AtomicReference<Gateway> listening = new AtomicReference<>();
        String hostName = Gateway.hostName();
        Supplier<String> nodeId = () -> hostName + ":" + port(listening.get());
        LocalLedger.Identity identity = new LocalLedger.Identity(settings.ledgerName(), nodeId,
                () -> storageInfo(settings, store), () -> busInfo(bus.state()),
                member != null ? member : ClusterSource.single(settings.string(Setting.CLUSTER_NAME), nodeId));
        LocalLedger local = new LocalLedger(engine, store, new EngineTransferLookup(engine), prover, key.publicKey(),
                identity);
        // A member forwards each item to its sender's owner; the console reads the same records as the API.
        ClusterLedger forwarding = member == null ? null
                : new ClusterLedger(local, member.owners(), settings.string(Setting.CLUSTER_SECRET), member::view,
                        gatewayTls == null ? null : Pem.trustContext(Setting.TLS_CERT.key(), Path.of(settings.string(Setting.TLS_CERT))));
        Ledger ledger = forwarding != null ? forwarding : local;
        ConsoleSource consoleSource = new ConsoleSource(ledger, engine::committedPosition,
                settings.longValue(Setting.CHECKPOINT_INTERVAL_MS));
        // When the node serves TLS the console's session cookie is Secure.
        boolean tls = gatewayTls != null;
        Gateway.Builder routes = Gateway.builder(settings).tls(gatewayTls);
        if (member != null) {
            InternalService.mount(routes, local, settings.string(Setting.CLUSTER_SECRET));
        }
        Gateway gateway = LedgerApi.mount(routes, ledger)
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
        if (member == null) {
            shutdown.register("checkpointer", sealing.get()::close);
        }
        if (forwarding != null) {
            shutdown.register("forwarding", forwarding);
        }
        shutdown.register("engine", engine);
        if (member != null) {
            // After the engine released its partitions: the leases (and the sealer) stop, the member leaves.
            shutdown.register("cluster", member);
            shutdown.register("checkpoint follower", follower);
        }
        shutdown.register("bus", bus);
        shutdown.register("storage", store);
        engine.start();
        BooleanSupplier joined = member == null ? () -> true : () -> joinWhenCaughtUp(settings, member, (SharedStore) store,
                key, sealing, checkpointers, shutdown);
        CountDownLatch started = startWhenReady(engine, bus, sealing.get(), joined,
                follower == null ? () -> { } : follower::start);
        gateway.start();
        return new Node(settings, gateway, shutdown, engine, ledger, started);
    }

    /** A member list or multicast makes this node a cluster member (docs/cluster.md). */
    static boolean clustered(Settings settings) {
        return !settings.list(Setting.CLUSTER_MEMBERS).isEmpty() || settings.bool(Setting.CLUSTER_MULTICAST);
    }

    /** Joins the cluster as a lite member; refuses storage that members cannot share, and a wrong setting. */
    private static ClusterMember joinCluster(Settings settings, Store store, boolean https) {
        if (!(store instanceof SharedStore shared)) {
            throw new IllegalArgumentException("a cluster member needs PostgreSQL (set db.url): the embedded store"
                    + " cannot be shared by members");
        }
        if (settings.string(Setting.CLUSTER_SECRET).isEmpty()) {
            throw new IllegalArgumentException("a cluster member needs " + Setting.CLUSTER_SECRET.key() + ": the"
                    + " members authenticate the requests they forward to each other with it");
        }
        if (settings.httpPort() == 0) {
            throw new IllegalArgumentException("a cluster member needs a fixed http.port: the other members forward"
                    + " to it");
        }
        try {
            MembershipConfig config = MembershipConfig.from(settings, "http://0.0.0.0");
            String apiUrl = (https ? "https://" : "http://") + config.interfaceAddress() + ":" + settings.httpPort();
            return ClusterMember.start(new MembershipConfig(config.clusterName(), config.ledgerName(),
                    config.version(), config.interfaceAddress(), config.port(), config.members(), config.multicast(),
                    config.heartbeatTimeoutS(), apiUrl), shared);
        } catch (SettingsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The engine replayed storage: the member checks that it signs with the cluster's key, registers its lease and
     * takes partitions; it seals (a new checkpointer each time) while it holds the sealer lease. A member with
     * another key stops: its checkpoints would not verify under the key the cluster published.
     */
    private static boolean joinWhenCaughtUp(Settings settings, ClusterMember member, SharedStore store, NodeKey key,
                                         AtomicReference<Checkpointer> sealing, Supplier<Checkpointer> checkpointers,
                                         Shutdown shutdown) {
        try {
            byte[] clusterKey = store.adoptPublicKey(key.publicKey());
            if (!java.util.Arrays.equals(clusterKey, key.publicKey())) {
                LOG.severe("omni: this member's " + NodeKey.FILE_NAME + " in " + settings.dataDir() + " signs with "
                        + HexFormat.of().formatHex(key.publicKey()) + " but the cluster signs with "
                        + HexFormat.of().formatHex(clusterKey) + "; copy the cluster's " + NodeKey.FILE_NAME
                        + " to every member (docs/cluster.md). Stopping");
                shutdown.abort();
                return false;
            }
            member.joined(() -> {
                Checkpointer checkpointer = checkpointers.get();
                try {
                    checkpointer.start();
                } catch (StorageException e) {
                    throw new IllegalStateException("sealer not started: " + e.getMessage(), e);
                }
                sealing.set(checkpointer);
                return () -> {
                    sealing.set(null);
                    checkpointer.close();
                };
            });
            return true;
        } catch (omni.ledger.StoreException e) {
            LOG.log(java.util.logging.Level.SEVERE, "omni: cannot join the cluster: " + e.getMessage() + "; stopping", e);
            shutdown.abort();
            return false;
        }
    }

    /**
     * The trust for a rediss:// Redis from {@code redis.tls.ca}, or null for the JVM's trust store. A CA for a
     * plain redis:// URL is refused rather than ignored: the operator meant the bus to be checked and it would not be.
     */
    static SSLContext redisTrust(Settings settings) throws IOException {
        String ca = settings.string(Setting.REDIS_TLS_CA);
        if (ca.isEmpty()) {
            return null;
        }
        if (!settings.redisUrl().startsWith("rediss://")) {
            throw new IOException(Setting.REDIS_TLS_CA.key() + " is set but " + Setting.REDIS_URL.key()
                    + " is not a rediss:// (TLS) URL, so nothing would be checked against it");
        }
        return Pem.trustContext(Setting.REDIS_TLS_CA.key(), Path.of(ca));
    }

    private static int port(Gateway gateway) {
        return gateway == null ? -1 : gateway.port();
    }

    /**
     * The bus reads its Redis watermark and the checkpointer the chain head from storage, so both start once the
     * engine has opened the store and replayed it; while storage is down that may take a while, hence a thread
     * of its own that retries. The latch opens when both run.
     */
    private static CountDownLatch startWhenReady(Engine engine, EventBus bus, Checkpointer checkpointer,
                                                 BooleanSupplier joined, Runnable followers) {
        CountDownLatch started = new CountDownLatch(1);
        Thread.ofVirtual().name("omni-start-when-ready").start(() -> {
            try {
                while (!engine.awaitReady(START_RETRY_MS)) {
                    LOG.info("waiting for storage: " + engine.notReadyReason());
                }
                if (!joined.getAsBoolean()) {
                    return;
                }
                bus.start();
                followers.run();
                while (checkpointer != null && !startCheckpointer(checkpointer)) {
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

    /** {@code OMNI <version> ready at http[s]://<host>:<port> — storage: …, bus: …, cluster: …} */
    static String readyLine(Node node) {
        String host = node.settings().httpHost();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "localhost";
        }
        return "OMNI " + BuildInfo.version() + " ready at " + node.gateway().scheme() + "://" + host + ":" + node.gateway().port()
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
