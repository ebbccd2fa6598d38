package omni.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every configuration key of OMNI, in one place (the pgjdbc habit): its key in omni.yaml, environment variable,
 * command-line flag, default and description all come from here, and so do the README table and
 * {@code omni serve --help}. To add a key, add a constant here (in the section of the component that reads
 * it) and read it with {@link Settings#string}, {@link Settings#intValue}, {@link Settings#longValue},
 * {@link Settings#bool}, {@link Settings#path} or {@link Settings#list}.
 *
 * <p>The environment variable is {@code OMNI_} + the key upper-cased with dots as underscores
 * ({@code http.port} -> {@code OMNI_HTTP_PORT}); the flag is {@code --} + the key with dots as dashes
 * ({@code --http-port}). Secrets have no flag, so that they never appear in a process list.
 */
public enum Setting {
    // gateway
    HTTP_HOST("http.host", "0.0.0.0", Type.HOST, false,
            "Address the HTTP gateway (API, console, /metrics) listens on."),
    HTTP_PORT("http.port", "18000", Type.PORT, false,
            "Port of the HTTP gateway; 0 picks a free port."),
    HTTP_REQUESTS_CONCURRENT_MAX("http.requests.concurrent.max", "512", Type.positiveInt(1, 1_000_000), false,
            "Requests served at once; more get 503 with Retry-After (health and metrics are exempt)."),
    TLS_CERT("tls.cert", "", Type.PEM_FILE, false,
            "PEM file: the gateway's certificate, then its chain; with tls.key the gateway serves HTTPS only."),
    TLS_KEY("tls.key", "", Type.PEM_FILE, false,
            "PEM file: the private key of tls.cert, unencrypted PKCS#8 (BEGIN PRIVATE KEY), RSA or EC; mode 0600."),
    // 4096 connections cost about 100 MiB of buffers and virtual threads at most, and are far more than the
    // clients of one node need (the bench uses 8; a pooled client keeps a few dozen).
    HTTP_CONNECTIONS_MAX("http.connections.max", "4096", Type.positiveInt(64, 1_000_000), false,
            "Open HTTP connections; at the limit a new one closes the one waiting longest for a request, or gets 503 if none waits (the last 16 serve only health and metrics)."),
    // Request line and headers of a legitimate request fit in 2 KiB (a 43-character bearer token, a console
    // cookie); 16 KiB leaves room for proxies that add headers and is the usual limit of HTTP servers.
    HTTP_HEADERS_SIZE_MAX("http.headers.size.max", "16384", Type.positiveInt(1024, 1_048_576), false,
            "Bytes of request line and headers; a larger request gets 431 and the connection is closed."),
    // 16 KiB of headers arrive in well under a second even on a slow mobile link; 10 s is generous for a real
    // client and short enough that a client trickling bytes holds a connection for little time.
    HTTP_HEADER_TIMEOUT_MS("http.header.timeout.ms", "10000", Type.positiveInt(100, 3_600_000), false,
            "Milliseconds from a request's first byte to the end of its headers; later gets 408 and the connection is closed."),
    // The largest body, 8 MiB, arrives within 30 s at 2.3 Mbit/s; a slower client should send smaller batches.
    HTTP_BODY_TIMEOUT_MS("http.body.timeout.ms", "30000", Type.positiveInt(100, 3_600_000), false,
            "Milliseconds from the end of the headers to the end of the body; later gets 408, the connection is closed and nothing is committed."),
    // Longer than the 15-60 s interval of a metrics scraper or health probe, so their connections are reused.
    HTTP_IDLE_TIMEOUT_MS("http.idle.timeout.ms", "60000", Type.positiveInt(100, 86_400_000), false,
            "Milliseconds a keep-alive connection may wait for its next request before it is closed."),
    // A client that batches (up to 10,000 transfers a request) needs far fewer than 1000 requests a second to
    // fill the node; one token looping on single requests cannot take the whole node's request handling.
    HTTP_RATE_PER_SECOND("http.rate.per.second", "1000", Type.positiveInt(1, 1_000_000), false,
            "Requests a second per bearer token (per client address without a valid token); more get 429 with Retry-After (health and metrics are exempt)."),
    // Two seconds of the default rate at once: a client catching up after a pause is not refused.
    HTTP_RATE_BURST("http.rate.burst", "2000", Type.positiveInt(1, 10_000_000), false,
            "Requests a token or address may send at once above its rate before 429 (the token bucket's size)."),
    ADMIN_TOKEN("admin.token", "", Type.SECRET_TOKEN, true,
            "Admin bearer token; when unset, one is generated into <data dir>/admin.token (mode 0600)."),
    // node
    DATA_DIR("data.dir", "./omni-data", Type.PATH, false,
            "Data directory: embedded store, node key, admin token, client tokens."),
    LEDGER_NAME("ledger.name", "omni", Type.LEDGER_NAME, false,
            "Name of the ledger; its genesis transfer carries the memo genesis:<name>."),
    // storage
    DB_URL("db.url", "", Type.JDBC_URL, false,
            "PostgreSQL JDBC URL (jdbc:postgresql://host:15432/omni); unset = embedded store (not for production)."),
    DB_USER("db.user", "", Type.STRING, false,
            "PostgreSQL user; unset = the driver's default."),
    DB_PASSWORD("db.password", "", Type.SECRET, true,
            "PostgreSQL password."),
    // bus
    REDIS_URL("redis.url", "", Type.REDIS_URL, false,
            "Redis URL (redis://host:16379) for the event bus, rediss:// for TLS; unset = in-process bus."),
    REDIS_TLS_CA("redis.tls.ca", "", Type.PEM_FILE, false,
            "PEM file of the CA certificates a rediss:// Redis is checked against; unset = the JVM's trust store."),
    // cluster
    CLUSTER_NAME("cluster.name", "omni", Type.STRING, false,
            "Cluster name; members join only a cluster of the same name."),
    CLUSTER_MEMBERS("cluster.members", "", Type.MEMBERS, false,
            "Comma-separated host:port of cluster members to join over TCP-IP; unset = one member."),
    CLUSTER_MULTICAST("cluster.multicast", "false", Type.BOOLEAN, false,
            "Discover cluster members by multicast instead of a member list."),
    CLUSTER_PORT("cluster.port", "5701", Type.PORT, false,
            "Port cluster member traffic listens on, exactly (a busy port stops the start); 0 picks a free one."),
    CLUSTER_INTERFACE("cluster.interface", "", Type.CLUSTER_INTERFACE, false,
            "IPv4 address of this machine that cluster traffic binds to and other members reach; unset = 127.0.0.1"
                    + " when every cluster.members host is a loopback address, otherwise required."),
    CLUSTER_HEARTBEAT_TIMEOUT_S("cluster.heartbeat.timeout.s", "5", Type.positiveInt(2, 120), false,
            "Seconds without a heartbeat (sent every second) after which a paused or cut-off member is removed and"
                    + " its partitions move."),
    CLUSTER_SECRET("cluster.secret", "", Type.SECRET_TOKEN, true,
            "Secret every member of the cluster is given; members send it with each request they forward to"
                    + " another (required for a cluster member)."),
    // proof
    CHECKPOINT_INTERVAL_MS("checkpoint.interval.ms", "1000", Type.positiveInt(10, 3_600_000), false,
            "Milliseconds between checkpoints (a checkpoint is sealed only if something was committed).");

    private final String key;
    private final String defaultValue;
    private final Type type;
    private final boolean secret;
    private final String description;

    Setting(String key, String defaultValue, Type type, boolean secret, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.type = type;
        this.secret = secret;
        this.description = description;
    }

    /** Dotted key in omni.yaml, e.g. {@code http.port} (nested YAML maps flatten to the same key). */
    public String key() {
        return key;
    }

    public String env() {
        return "OMNI_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The command-line flag, or null for secrets. */
    public String flag() {
        return secret ? null : "--" + key.replace('.', '-');
    }

    public String defaultValue() {
        return defaultValue;
    }

    public boolean secret() {
        return secret;
    }

    public String description() {
        return description;
    }

    /** Human name of the accepted values, e.g. "port (0-65535)". */
    public String typeName() {
        return type.name;
    }

    /** Parses a raw value into its typed form; throws IllegalArgumentException saying what is accepted. */
    Object parse(String raw) {
        return type.parser.parse(raw.trim());
    }

    public static Setting byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }

    /** The README configuration table (Markdown), generated from this enum. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| omni.yaml key | environment | flag | default | values | description |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Setting s : values()) {
            sb.append("| `").append(s.key).append("` | `").append(s.env()).append("` | ")
                    .append(s.flag() == null ? "(none: secret)" : "`" + s.flag() + "`").append(" | ")
                    .append(s.defaultValue.isEmpty() ? "(unset)" : "`" + s.defaultValue + "`").append(" | ")
                    .append(s.type.name).append(" | ")
                    .append(s.description.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    @FunctionalInterface
    interface Parser {
        Object parse(String raw);
    }

    /** Value types; each parser rejects with a message saying what is accepted. */
    static final class Type {
        static final Type STRING = new Type("text", raw -> raw);
        static final Type SECRET = new Type("text (secret)", raw -> raw);
        static final Type HOST = new Type("host name or IP address", Type::host);
        static final Type PORT = new Type("port (0-65535)", raw -> integer(raw, 0, 65535));
        static final Type BOOLEAN = new Type("true or false", Type::bool);
        static final Type PATH = new Type("directory path", raw -> {
            if (raw.isEmpty()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return Path.of(raw);
        });
        // The ledger name goes into the genesis memo "genesis:<name>", which must fit the 128-byte memo limit.
        static final Type LEDGER_NAME = new Type("1-64 of [A-Za-z0-9._-]", raw -> {
            if (!raw.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
            }
            return raw;
        });
        static final Type JDBC_URL = new Type("jdbc:postgresql://host:port/db", raw -> {
            if (!raw.isEmpty() && !raw.startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException("must start with jdbc:postgresql://");
            }
            return raw;
        });
        static final Type REDIS_URL = new Type("redis://host:port", raw -> {
            if (!raw.isEmpty() && !raw.startsWith("redis://") && !raw.startsWith("rediss://")) {
                throw new IllegalArgumentException("must start with redis:// or rediss://");
            }
            return raw;
        });
        // Read and checked when the node starts (omni.config.Pem), where the message can say what is wrong in it.
        static final Type PEM_FILE = new Type("path of a PEM file", raw -> raw);
        static final Type MEMBERS = new Type("host:port,...", Type::members);
        static final Type CLUSTER_INTERFACE = new Type("IPv4 address of this machine", Type::clusterInterface);
        // Bearer tokens shorter than this are guessable; generated ones are 43 characters.
        static final int TOKEN_LENGTH_MIN = 16;
        static final Type SECRET_TOKEN = new Type("text of 16+ characters (secret)", raw -> {
            if (!raw.isEmpty() && (raw.length() < TOKEN_LENGTH_MIN || !raw.matches("[\\x21-\\x7e]+"))) {
                throw new IllegalArgumentException("must be at least " + TOKEN_LENGTH_MIN
                        + " printable characters without spaces");
            }
            return raw;
        });

        final String name;
        final Parser parser;

        private Type(String name, Parser parser) {
            this.name = name;
            this.parser = parser;
        }

        static Type positiveInt(int min, int max) {
            return new Type("integer " + min + "-" + max, raw -> integer(raw, min, max));
        }

        static int integer(String raw, int min, int max) {
            long value;
            try {
                value = Long.parseLong(raw);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be an integer from " + min + " to " + max);
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be from " + min + " to " + max);
            }
            return (int) value;
        }

        static Boolean bool(String raw) {
            return switch (raw.toLowerCase(Locale.ROOT)) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("must be true or false");
            };
        }

        static String host(String raw) {
            if (!raw.matches("[A-Za-z0-9.:\\-\\[\\]%]{1,253}")) {
                throw new IllegalArgumentException("must be a host name or an IP address");
            }
            return raw;
        }

        /**
         * An IPv4 address to bind cluster traffic to and advertise: a wildcard would advertise an address other
         * members cannot reach, and a multicast address is no machine's. IPv4 only, as Hazelcast prefers its IPv4
         * stack. Whether it is an address of this machine is checked when the cluster starts.
         */
        static String clusterInterface(String raw) {
            if (raw.isEmpty()) {
                return raw;
            }
            String[] parts = raw.split("\\.", -1);
            boolean dottedQuad = parts.length == 4;
            for (int i = 0; dottedQuad && i < parts.length; i++) {
                dottedQuad = parts[i].matches("[0-9]{1,3}") && Integer.parseInt(parts[i]) <= 255;
            }
            if (!dottedQuad) {
                throw new IllegalArgumentException("must be an IPv4 address such as 10.0.0.2");
            }
            int first = Integer.parseInt(parts[0]);
            if (raw.equals("0.0.0.0") || first >= 224) {
                throw new IllegalArgumentException("must be an address of this machine, not a wildcard, multicast"
                        + " or broadcast address");
            }
            return raw;
        }

        static List<String> members(String raw) {
            List<String> members = new ArrayList<>();
            if (raw.isEmpty()) {
                return List.of();
            }
            for (String part : raw.split(",")) {
                String member = part.trim();
                int colon = member.lastIndexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("must be host:port,... but '" + member + "' has no port");
                }
                host(member.substring(0, colon));
                integer(member.substring(colon + 1), 1, 65535);
                members.add(member);
            }
            return List.copyOf(members);
        }
    }
}
