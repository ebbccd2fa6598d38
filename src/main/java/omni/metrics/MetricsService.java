package omni.metrics;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.providers.micrometer.MicrometerPrometheusFormatter;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /metrics}: every meter of the global Helidon registry (OMNI's own, {@code omni_*}, and the JVM's) in
 * Prometheus text format. Components register meters with {@code Metrics.globalRegistry()} (names per SPEC
 * section 9); this service only formats them.
 */
public final class MetricsService implements HttpService {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Thread init;
    private volatile MeterRegistry registry;

    /**
     * Starts creating the global registry (with the JVM meters) on a thread of its own: it costs about as much
     * start-up CPU as the web server, and on two cores the two overlap.
     */
    public MetricsService(String version) {
        this.init = Thread.ofPlatform().daemon().name("omni-metrics-init").start(() -> {
            MeterRegistry r = Metrics.globalRegistry();
            registerBuildInfo(r, version);
            registry = r;
        });
    }

    private MeterRegistry registry() throws InterruptedException {
        init.join();
        MeterRegistry r = registry;
        if (r == null) {
            throw new IllegalStateException("the metrics registry failed to initialize; see the log of omni-metrics-init");
        }
        return r;
    }

    /** {@code omni_build_info{version="..."} 1}, the usual Prometheus way to expose the running version. */
    static void registerBuildInfo(MeterRegistry registry, String version) {
        registry.getOrCreate(Gauge.builder("omni_build_info", () -> 1)
                .description("Always 1; the version tag says which OMNI build is running.")
                .tags(java.util.List.of(Tag.create("version", version),
                        Tag.create("java", Runtime.version().toString()))));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(this::send);
    }

    private void send(ServerRequest req, ServerResponse res) throws InterruptedException {
        Object text = MicrometerPrometheusFormatter.builder(registry())
                .resultMediaType(MediaTypes.TEXT_PLAIN)
                .build()
                .format()
                .orElse("");
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        res.send(String.valueOf(text));
    }
}
