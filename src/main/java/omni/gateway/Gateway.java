package omni.gateway;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import javax.net.ssl.SSLContext;

import io.helidon.http.DirectHandler;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.spi.ServerFeature;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.observe.ObserveFeature;
import omni.config.BuildInfo;
import omni.config.Pem;
import omni.config.Setting;
import omni.config.Settings;
import omni.ledger.Ledger;
import omni.metrics.PrometheusMetrics;

/**
 * The HTTP front of a node: one Helidon WebServer with health, metrics, OpenAPI, authentication, the concurrency
 * bound, the 8 MiB body bound, the connection limits ({@link ConnectionGuard}), the per-token rate
 * ({@link RateLimit}), one error mapper, and the API services mounted under {@code /api/v1}. With
 * {@code tls.cert} and {@code tls.key} it serves HTTPS only, on the same port (docs/operations.md).
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder(settings)
 *         .api(new TransactionService(ledger), new AccountService(ledger))   // paths relative to /api/v1
 *         .readiness("storage", () -> store.ping() ? Readiness.ok() : Readiness.notReady("..."))
 *         .build()
 *         .start();
 * }</pre>
 */
public final class Gateway {
    /** The largest request is a transfer batch, so its body limit bounds every route. */
    public static final long PAYLOAD_SIZE_MAX = Ledger.BODY_SIZE_MAX;
    public static final String API_PREFIX = "/api/v1";
    static final String METRICS_PATH = "/metrics";
    // In-flight requests get this long to finish after readiness turns 503; with the 10 s exit budget it leaves
    // time for the components' own shutdown hooks (commit drain, store close).
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final long DRAIN_POLL_MS = 10;
    // After in-flight requests have drained, idle keep-alive connections (scrapers, pooled clients) are waited on
    // only this long before they are cut; waiting longer would spend the 10 s exit budget on idle sockets.
    static final Duration CONNECTION_CLOSE_GRACE = Duration.ofMillis(500);

    private final Settings settings;
    private final TokenStore tokens;
    private final List<HttpService> apiServices;
    private final Map<String, HttpService> mounts;
    private final List<ServerFeature> features;
    private final List<Filter> filters;
    private final Map<String, ReadinessCheck> readinessChecks;
    private final OpenApi openApi;
    private final ConcurrencyLimit limit;
    private final SSLContext tls;
    private final ConnectionGuard connections;
    private final RateLimit rate;
    private final List<Route> routes = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean draining;
    private volatile WebServer server;

    private Gateway(Builder b) throws IOException {
        this.settings = b.settings;
        this.tokens = TokenStore.open(settings.dataDir(), settings.string(Setting.ADMIN_TOKEN));
        this.apiServices = List.copyOf(b.apiServices);
        this.mounts = new LinkedHashMap<>(b.mounts);
        this.features = List.copyOf(b.features);
        this.filters = List.copyOf(b.filters);
        this.readinessChecks = new LinkedHashMap<>(b.readinessChecks);
        this.openApi = OpenApi.forVersion(BuildInfo.version());
        this.limit = new ConcurrencyLimit(settings.intValue(Setting.HTTP_REQUESTS_CONCURRENT_MAX));
        this.tls = b.tls;
        HttpLimits limits = HttpLimits.of(settings);
        this.connections = new ConnectionGuard(limits);
        this.rate = new RateLimit(limits.ratePerSecond(), limits.rateBurst());
        // Mounts that need the gateway itself (its token store, node description) are made once it exists.
        b.lateMounts.forEach((path, factory) -> mounts.put(path, factory.apply(this)));
    }

    /** This machine's name, for node ids (host:port); "localhost" when it has none that resolves. */
    public static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    public static Builder builder(Settings settings) {
        return new Builder(settings);
    }

    /**
     * The gateway's TLS context from {@code tls.cert} and {@code tls.key}, read and checked at once, so that the
     * node can do it before it starts anything; null when both are unset (plain HTTP). Throws when only one is
     * set or a file is missing, unreadable, not PEM, expired or not the other's pair; the message names the
     * setting and the file, never the key's content.
     */
    public static SSLContext tlsContext(Settings settings) throws IOException {
        String cert = settings.string(Setting.TLS_CERT);
        String key = settings.string(Setting.TLS_KEY);
        if (cert.isEmpty() && key.isEmpty()) {
            return null;
        }
        if (cert.isEmpty() || key.isEmpty()) {
            Setting missing = cert.isEmpty() ? Setting.TLS_CERT : Setting.TLS_KEY;
            Setting given = cert.isEmpty() ? Setting.TLS_KEY : Setting.TLS_CERT;
            throw new IOException(given.key() + " is set but " + missing.key() + " (" + missing.env()
                    + ") is not: HTTPS needs both the certificate and its key");
        }
        return Pem.serverContext(Setting.TLS_CERT.key(), Path.of(cert), Setting.TLS_KEY.key(), Path.of(key));
    }

    /** Applies routing, limits and error handling to a server builder (start() uses it; so do @ServerTest tests). */
    public void configure(WebServerConfig.Builder server) {
        ErrorMapper errors = new ErrorMapper(routes, PAYLOAD_SIZE_MAX);
        DirectHandlers.Builder direct = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            direct.addHandler(type, errors);
        }
        server.featuresDiscoverServices(false)
                // The guard is the only HTTP/1.1 selector: a discovered one would be tried first for each connection,
                // blocking on its first bytes before the guard sees it.
                .protocolsDiscoverServices(false)
                .addConnectionSelector(connections)
                .shutdownHook(false)
                .maxPayloadSize(PAYLOAD_SIZE_MAX)
                .shutdownGracePeriod(CONNECTION_CLOSE_GRACE)
                .directHandlers(direct.build())
                // features(...) replaces the list, so it comes before the two that are always there.
                .features(features)
                .addFeature(observe())
                .addFeature(openApi.feature())
                .routing(routing -> routing(routing, errors));
        if (tls != null) {
            server.tls(t -> t.sslContext(tls));
        }
    }

    private void routing(HttpRouting.Builder routing, ErrorMapper errors) {
        routes.clear();
        routing.addFilter(limit)
                .addFilter(new AuthFilter(tokens, rate))
                .addFilter(rate)
                .error(Throwable.class, errors);
        filters.forEach(routing::addFilter);
        RouteRecorder.register(routing, "/health", routes, List.of(new HealthService(readinessChecks, () -> draining)));
        // Served by Helidon's features (added in configure), listed here for /openapi's check and 405 answers.
        routes.add(new Route("GET", METRICS_PATH));
        routes.add(new Route("GET", OpenApi.PATH));
        List<HttpService> api = new ArrayList<>();
        api.add(new TokenService(tokens));
        api.addAll(apiServices);
        RouteRecorder.register(routing, API_PREFIX, routes, api);
        mounts.forEach((path, service) -> routing.register(path, service));
    }

    /**
     * Helidon's observe feature at "/" with only the metrics observer, so that it answers at {@code /metrics}.
     * Health stays OMNI's own {@link HealthService}: Helidon's health observer puts a check's reason under
     * {@code data}, where OMNI's readiness answer has it as {@code reason} (docs/observability.md).
     */
    private static ObserveFeature observe() {
        return ObserveFeature.builder()
                .endpoint("/")
                .observersDiscoverServices(false)
                .addObserver(PrometheusMetrics.observer(BuildInfo.version()))
                .build();
    }

    /** Starts the server on the configured host and port; returns once it accepts connections. */
    public Gateway start() throws IOException {
        WebServerConfig.Builder builder = WebServer.builder()
                .host(settings.httpHost())
                .port(settings.httpPort());
        configure(builder);
        WebServer started = builder.build().start();
        if (!started.isRunning()) {
            // Helidon logs why (e.g. the port is in use) and returns a server that is not running.
            throw new IOException("cannot listen on " + settings.httpHost() + ":" + settings.httpPort()
                    + " (port in use or address not available; see the log above)");
        }
        server = started;
        return this;
    }

    /** "https" when the gateway serves TLS, else "http": for the URLs a node prints. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /** The port actually bound (differs from the setting when that is 0). */
    public int port() {
        WebServer s = server;
        return s == null ? -1 : s.port();
    }

    /** Readiness turns 503 from now on; requests are still served. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Drains: readiness 503 at once, waits up to DRAIN_TIMEOUT for in-flight requests, then stops the server. */
    public void stop() {
        draining = true;
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (limit.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(DRAIN_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        WebServer s = server;
        if (s != null) {
            s.stop();
        }
        connections.stop();
    }

    /** Connections the gateway holds open now (refused ones are not counted). */
    int openConnections() {
        return connections.openCount();
    }

    /** Every route registered by the gateway and the API services (not the non-API mounts such as the console). */
    public List<Route> routes() {
        synchronized (routes) {
            return List.copyOf(routes);
        }
    }

    public OpenApi openApi() {
        return openApi;
    }

    public TokenStore tokens() {
        return tokens;
    }

    public static final class Builder {
        private final Settings settings;
        private final List<HttpService> apiServices = new ArrayList<>();
        private final Map<String, HttpService> mounts = new LinkedHashMap<>();
        private final Map<String, Function<Gateway, HttpService>> lateMounts = new LinkedHashMap<>();
        private final List<ServerFeature> features = new ArrayList<>();
        private final List<Filter> filters = new ArrayList<>();
        private final Map<String, ReadinessCheck> readinessChecks = new LinkedHashMap<>();
        private SSLContext tls;

        private Builder(Settings settings) {
            this.settings = settings;
        }

        /** Serves HTTPS only with this context (from {@link #tlsContext}); null, the default, serves plain HTTP. */
        public Builder tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        /** API services, mounted under /api/v1 behind authentication; their paths are relative to /api/v1. */
        public Builder api(HttpService... services) {
            apiServices.addAll(List.of(services));
            return this;
        }

        /** A service outside /api (no authentication, not in /openapi), e.g. the console at "/". */
        public Builder mount(String path, HttpService service) {
            if (AuthFilter.isApi(path)) {
                throw new IllegalArgumentException("mount " + path + " with api(...), so it is authenticated");
            }
            mounts.put(path, service);
            return this;
        }

        /** Like {@link #mount(String, HttpService)}, for a service made from the built gateway (e.g. the console). */
        public Builder mountBuilt(String path, Function<Gateway, HttpService> factory) {
            if (AuthFilter.isApi(path)) {
                throw new IllegalArgumentException("mount " + path + " with api(...), so it is authenticated");
            }
            lateMounts.put(path, factory);
            return this;
        }

        /** A server feature such as static content (the console's assets). */
        public Builder feature(ServerFeature feature) {
            features.add(feature);
            return this;
        }

        /** A filter on every request after authentication (e.g. the console's security headers). */
        public Builder filter(Filter filter) {
            filters.add(filter);
            return this;
        }

        /** A condition for /health/ready; the name appears in its body. */
        public Builder readiness(String name, ReadinessCheck check) {
            if (readinessChecks.putIfAbsent(name, check) != null) {
                throw new IllegalArgumentException("readiness check " + name + " registered twice");
            }
            return this;
        }

        /** Creates the gateway: opens the token store (creating the data directory and admin token if needed). */
        public Gateway build() throws IOException {
            return new Gateway(this);
        }
    }
}
