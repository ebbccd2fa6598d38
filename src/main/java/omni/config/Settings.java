package omni.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The node's configuration, read once at start and never changed: one typed value per {@link Setting}, where it
 * came from, and warnings (unknown omni.yaml keys) for the caller to print. Precedence: command-line flag >
 * environment variable > omni.yaml > default.
 */
public record Settings(Map<Setting, Object> values, Map<Setting, Source> sources, List<String> warnings) {

    /** The file read when no --config is given, relative to the working directory. */
    public static final String CONFIG_FILE_DEFAULT = "omni.yaml";

    public enum Source { FLAG, ENVIRONMENT, FILE, DEFAULT }

    public Settings {
        values = Collections.unmodifiableMap(new EnumMap<>(values));
        sources = Collections.unmodifiableMap(new EnumMap<>(sources));
        warnings = List.copyOf(warnings);
        if (values.size() != Setting.values().length || sources.size() != Setting.values().length) {
            throw new IllegalStateException("settings incomplete: " + values.size() + " values, "
                    + sources.size() + " sources, " + Setting.values().length + " keys");
        }
    }

    /**
     * Reads the configuration.
     *
     * @param flags      raw values given on the command line
     * @param env        the environment (System.getenv() in production)
     * @param configFile the --config file (must exist), or null for ./omni.yaml if present
     */
    public static Settings load(Map<Setting, String> flags, Map<String, String> env, Path configFile)
            throws SettingsException {
        Path file = configFile;
        if (file == null && Files.isRegularFile(Path.of(CONFIG_FILE_DEFAULT))) {
            file = Path.of(CONFIG_FILE_DEFAULT);
        }
        return resolve(flags, env, file);
    }

    /** Defaults with some values replaced (as if given as flags), ignoring environment and omni.yaml; for tests and tools. */
    public static Settings of(Map<Setting, String> overrides) throws SettingsException {
        return resolve(overrides, Map.of(), null);
    }

    private static Settings resolve(Map<Setting, String> flags, Map<String, String> env, Path file)
            throws SettingsException {
        List<String> warnings = new ArrayList<>();
        Map<String, String> fileValues = file == null ? Map.of() : readYaml(file);
        for (String key : fileValues.keySet()) {
            if (Setting.byKey(key) == null) {
                warnings.add("unknown key '" + key + "' in " + file + " ignored");
            }
        }
        Map<Setting, Object> values = new EnumMap<>(Setting.class);
        Map<Setting, Source> sources = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            String raw;
            Source source;
            String where;
            if (flags.containsKey(s)) {
                raw = flags.get(s);
                source = Source.FLAG;
                where = "flag " + s.flag();
            } else if (env.containsKey(s.env())) {
                raw = env.get(s.env());
                source = Source.ENVIRONMENT;
                where = "environment variable " + s.env();
            } else if (fileValues.containsKey(s.key())) {
                raw = fileValues.get(s.key());
                source = Source.FILE;
                where = "key " + s.key() + " in " + file;
            } else {
                raw = s.defaultValue();
                source = Source.DEFAULT;
                where = "default of " + s.key();
            }
            try {
                values.put(s, s.parse(raw));
            } catch (IllegalArgumentException e) {
                String shown = s.secret() ? "(secret)" : "'" + raw + "'";
                throw new SettingsException("invalid " + s.key() + " (" + where + "): " + shown + " "
                        + e.getMessage());
            }
            sources.put(s, source);
        }
        return new Settings(values, sources, warnings);
    }

    /** Reads omni.yaml into dotted keys; nested maps flatten ("http: {port: 1}" == "http.port: 1"), lists join with commas. */
    static Map<String, String> readYaml(Path file) throws SettingsException {
        Object root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new SettingsException("cannot read configuration file " + file + ": " + e.getMessage());
        } catch (YAMLException e) {
            throw new SettingsException("configuration file " + file + " is not valid YAML: " + e.getMessage());
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (root == null) {
            return flat;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new SettingsException("configuration file " + file + " must be a YAML map of keys to values");
        }
        flatten("", map, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object value = e.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else if (value instanceof List<?> list) {
                out.put(key, String.join(",", list.stream().map(String::valueOf).toList()));
            } else {
                out.put(key, value == null ? "" : String.valueOf(value));
            }
        }
    }

    public String string(Setting s) {
        return (String) values.get(s);
    }

    public int intValue(Setting s) {
        return (Integer) values.get(s);
    }

    public long longValue(Setting s) {
        return ((Number) values.get(s)).longValue();
    }

    public boolean bool(Setting s) {
        return (Boolean) values.get(s);
    }

    public Path path(Setting s) {
        return (Path) values.get(s);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(Setting s) {
        return (List<String>) values.get(s);
    }

    public Source source(Setting s) {
        return sources.get(s);
    }

    public String httpHost() {
        return string(Setting.HTTP_HOST);
    }

    public int httpPort() {
        return intValue(Setting.HTTP_PORT);
    }

    public Path dataDir() {
        return path(Setting.DATA_DIR);
    }

    public String ledgerName() {
        return string(Setting.LEDGER_NAME);
    }

    /** The PostgreSQL URL, or "" for the embedded store. */
    public String dbUrl() {
        return string(Setting.DB_URL);
    }

    /** The Redis URL, or "" for the in-process bus. */
    public String redisUrl() {
        return string(Setting.REDIS_URL);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Settings[");
        for (Setting s : Setting.values()) {
            sb.append(s.key()).append('=').append(s.secret() ? "***" : values.get(s)).append(", ");
        }
        return sb.append(']').toString();
    }
}
