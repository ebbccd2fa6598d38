package omni.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import omni.cli.ServeCommand;
import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Starts a node as {@code omni serve} composes it, scrapes its {@code /metrics} and checks the exposition with
 * Prometheus' own {@code promtool check metrics} (the test command installs it), that the meters named in
 * docs/observability.md exist with real histogram buckets, and that every metric the Grafana dashboard in
 * dist/grafana queries is exposed.
 */
class PrometheusExpositionTest {
    private static final Path DASHBOARD = Path.of("dist/grafana/omni-dashboard.json");
    // promtool reads a few hundred lines in well under a second; a minute only guards against a hung process.
    private static final long PROMTOOL_WAIT_S = 60;
    // An empty embedded ledger starts in about a second; a shared, busy machine may take many times that.
    private static final long START_WAIT_MS = 60_000;
    /** Metric names in PromQL: OMNI's own and the JVM's, as the dashboard's panels use them. */
    private static final Pattern METRIC_NAME = Pattern.compile("\\b((?:omni|jvm|process|system)_[a-z0-9_]+)\\b");

    private static Shutdown shutdown;
    private static String exposition;

    @BeforeAll
    static void scrape() throws Exception {
        Path dataDir = Files.createTempDirectory("omni-metrics-test");
        Settings settings = Settings.of(Map.of(Setting.DATA_DIR, dataDir.toString(), Setting.HTTP_PORT, "0",
                Setting.HTTP_HOST, "127.0.0.1"));
        shutdown = new Shutdown();
        ServeCommand.Node node = ServeCommand.start(settings, shutdown);
        // The checkpointer registers its gauges once it has started, after the engine replayed storage.
        assertThat("the node started", node.awaitStarted(START_WAIT_MS), is(true));
        URI metrics = URI.create("http://127.0.0.1:" + node.gateway().port() + "/metrics");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode(), is(200));
        exposition = r.body();
    }

    @AfterAll
    static void stop() {
        if (shutdown != null) {
            shutdown.run();
        }
    }

    @Test
    void promtoolFindsNoProblem() throws Exception {
        Process promtool;
        try {
            promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is not installed (Debian package prometheus; ./install.sh test "
                    + "installs it)", e);
        }
        promtool.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String report = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat("promtool finished", promtool.waitFor(PROMTOOL_WAIT_S, TimeUnit.SECONDS), is(true));
        assertThat("promtool check metrics reports:\n" + report, promtool.exitValue(), is(0));
        assertThat(report.strip(), is(""));
    }

    @Test
    void documentedMetersExist() {
        Set<String> names = sampleNames();
        Set<String> missing = new TreeSet<>();
        for (String name : new String[] {"omni_transactions_total", "omni_commit_batch_seconds_bucket",
                "omni_commit_batch_seconds_count", "omni_commit_batch_seconds_sum", "omni_commit_batch_size_bucket",
                "omni_ingest_bytes_total", "omni_checkpoint_height", "omni_checkpoint_lag_transactions",
                "omni_bus_connected", "omni_bus_backlog_events", "omni_cluster_members", "omni_partitions_owned",
                "omni_build_info", "jvm_memory_used_bytes", "jvm_gc_collections_total",
                "jvm_gc_collection_seconds_total"}) {
            if (!names.contains(name)) {
                missing.add(name);
            }
        }
        assertThat("meters missing from /metrics", missing, empty());
        assertThat(exposition, containsString("# TYPE omni_commit_batch_seconds histogram"));
        assertThat("a 1 ms bucket", Pattern.compile("(?m)^omni_commit_batch_seconds_bucket\\{[^}]*le=\"0.001\"")
                .matcher(exposition).find(), is(true));
        assertThat("a +Inf bucket", Pattern.compile("(?m)^omni_commit_batch_size_bucket\\{[^}]*le=\"\\+Inf\"")
                .matcher(exposition).find(), is(true));
        assertThat(exposition, not(containsString("quantile=")));
        assertThat(exposition, containsString("omni_cluster_members{"));
        assertThat(sample("omni_cluster_members"), is(1.0));
        assertThat(sample("omni_partitions_owned"), is(271.0));
    }

    @Test
    void everyMetricTheDashboardQueriesIsExposed() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dashboard.get("uid").asText(), is("omni-overview"));
        Set<String> variables = new TreeSet<>();
        dashboard.get("templating").get("list").forEach(v -> variables.add(v.get("name").asText()));
        assertThat(variables, is(Set.of("datasource", "instance")));

        Set<String> names = sampleNames();
        Set<String> missing = new TreeSet<>();
        Set<String> queries = new TreeSet<>();
        dashboard.get("templating").get("list").forEach(v -> {
            if (v.has("definition")) {
                queries.add(v.get("definition").asText());
            }
        });
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(t -> queries.add(t.get("expr").asText())));
        assertThat(queries, not(empty()));
        for (String query : queries) {
            Matcher m = METRIC_NAME.matcher(query);
            boolean any = false;
            while (m.find()) {
                any = true;
                if (!names.contains(m.group(1))) {
                    missing.add(m.group(1) + " (in " + query + ")");
                }
            }
            assertThat("the test recognizes a metric in " + query, any, is(true));
        }
        assertThat("metrics the dashboard queries but /metrics does not expose", missing, empty());
    }

    /** Names of the samples (not the families), e.g. omni_commit_batch_seconds_bucket. */
    private static Set<String> sampleNames() {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static double sample(String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " is not in /metrics");
    }
}
