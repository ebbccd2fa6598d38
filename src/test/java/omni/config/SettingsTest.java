package omni.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SettingsTest {

    private static Path yaml(String text) throws Exception {
        Path file = Files.createTempFile("omni", ".yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void defaultsMatchTheSpec() throws Exception {
        Settings s = Settings.of(Map.of());
        assertThat(s.httpHost(), is("0.0.0.0"));
        assertThat(s.httpPort(), is(18000));
        assertThat(s.dataDir(), is(Path.of("./omni-data")));
        assertThat(s.ledgerName(), is("omni"));
        assertThat(s.dbUrl(), is(""));
        assertThat(s.redisUrl(), is(""));
        assertThat(s.intValue(Setting.CLUSTER_PORT), is(5701));
        assertThat(s.bool(Setting.CLUSTER_MULTICAST), is(false));
        assertThat(s.list(Setting.CLUSTER_MEMBERS), is(empty()));
        assertThat(s.string(Setting.CLUSTER_INTERFACE), is(""));
        assertThat(s.intValue(Setting.CLUSTER_HEARTBEAT_TIMEOUT_S), is(5));
        assertThat(s.intValue(Setting.CHECKPOINT_INTERVAL_MS), is(1000));
        assertThat(s.source(Setting.HTTP_PORT), is(Settings.Source.DEFAULT));
    }

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
        Path file = yaml("http:\n  port: 1001\n  host: 127.0.0.1\nledger.name: fromfile\ncluster:\n  port: 1003\n");
        Map<String, String> env = Map.of("OMNI_HTTP_PORT", "1002", "OMNI_HTTP_HOST", "10.0.0.2");
        Settings s = Settings.load(Map.of(Setting.HTTP_PORT, "1000"), env, file);
        assertThat(s.httpPort(), is(1000));
        assertThat(s.source(Setting.HTTP_PORT), is(Settings.Source.FLAG));
        assertThat(s.httpHost(), is("10.0.0.2"));
        assertThat(s.source(Setting.HTTP_HOST), is(Settings.Source.ENVIRONMENT));
        assertThat(s.ledgerName(), is("fromfile"));
        assertThat(s.source(Setting.LEDGER_NAME), is(Settings.Source.FILE));
        assertThat(s.intValue(Setting.CLUSTER_PORT), is(1003));
        assertThat(s.intValue(Setting.CHECKPOINT_INTERVAL_MS), is(1000));
        assertThat(s.source(Setting.CHECKPOINT_INTERVAL_MS), is(Settings.Source.DEFAULT));
        assertThat(s.warnings(), is(empty()));
    }

    @Test
    void yamlListsAndFlatKeysWork() throws Exception {
        Path file = yaml("cluster.members:\n  - a:5701\n  - b:5702\ncluster.multicast: true\n");
        Settings s = Settings.load(Map.of(), Map.of(), file);
        assertThat(s.list(Setting.CLUSTER_MEMBERS), contains("a:5701", "b:5702"));
        assertThat(s.bool(Setting.CLUSTER_MULTICAST), is(true));
    }

    @Test
    void unknownFileKeysAreWarnedAbout() throws Exception {
        Path file = yaml("http:\n  prot: 1\nsurprise: yes\n");
        Settings s = Settings.load(Map.of(), Map.of(), file);
        assertThat(s.warnings(), hasSize(2));
        assertThat(s.warnings().get(0), containsString("unknown key 'http.prot'"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "HTTP_PORT|65536|http.port",
            "HTTP_PORT|eighty|http.port",
            "HTTP_HOST|bad host!|http.host",
            "CHECKPOINT_INTERVAL_MS|0|checkpoint.interval.ms",
            "CLUSTER_MULTICAST|yes|cluster.multicast",
            "CLUSTER_MEMBERS|a:1,b|cluster.members",
            "CLUSTER_INTERFACE|0.0.0.0|cluster.interface",
            "CLUSTER_INTERFACE|239.1.2.3|cluster.interface",
            "CLUSTER_INTERFACE|10.0.0.256|cluster.interface",
            "CLUSTER_INTERFACE|node-1.example|cluster.interface",
            "CLUSTER_INTERFACE|::1|cluster.interface",
            "CLUSTER_HEARTBEAT_TIMEOUT_S|1|cluster.heartbeat.timeout.s",
            "CLUSTER_HEARTBEAT_TIMEOUT_S|121|cluster.heartbeat.timeout.s",
            "DB_URL|postgres://x/y|db.url",
            "REDIS_URL|http://x|redis.url",
            "LEDGER_NAME|has space|ledger.name",
            "HTTP_REQUESTS_CONCURRENT_MAX|0|http.requests.concurrent.max"})
    void badValuesStopWithAMessageNamingTheKey(Setting setting, String value, String key) {
        SettingsException e = assertThrows(SettingsException.class, () -> Settings.of(Map.of(setting, value)));
        assertThat(e.getMessage(), containsString("invalid " + key));
        assertThat(e.getMessage(), containsString(value));
    }

    @Test
    void badEnvironmentValueNamesTheVariable() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> Settings.load(Map.of(), Map.of("OMNI_HTTP_PORT", "x"), null));
        assertThat(e.getMessage(), containsString("environment variable OMNI_HTTP_PORT"));
    }

    @Test
    void secretValuesAreNeverShown() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> Settings.load(Map.of(), Map.of("OMNI_ADMIN_TOKEN", "short"), null));
        assertThat(e.getMessage(), containsString("admin.token"));
        assertThat(e.getMessage(), not(containsString("short")));
        assertThat(Setting.ADMIN_TOKEN.flag() == null, is(true));
    }

    @Test
    void brokenYamlNamesTheFile() throws Exception {
        Path file = yaml("http: [\n");
        SettingsException e = assertThrows(SettingsException.class, () -> Settings.load(Map.of(), Map.of(), file));
        assertThat(e.getMessage(), containsString(file.toString()));
    }

    @Test
    void namesFollowTheKey() {
        assertThat(Setting.CHECKPOINT_INTERVAL_MS.env(), is("OMNI_CHECKPOINT_INTERVAL_MS"));
        assertThat(Setting.CHECKPOINT_INTERVAL_MS.flag(), is("--checkpoint-interval-ms"));
        assertThat(Setting.DATA_DIR.env(), is("OMNI_DATA_DIR"));
        for (Setting s : Setting.values()) {
            assertThat(Setting.byKey(s.key()), is(s));
        }
        assertThat(List.of(Setting.values()), hasSize(Setting.values().length));
    }
}
