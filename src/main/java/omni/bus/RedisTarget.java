package omni.bus;

import java.net.URI;
import java.net.URISyntaxException;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * {@code OMNI_REDIS_URL} parsed: {@code redis://[[user]:password@]host[:port][/db]} or {@code rediss://...} (TLS).
 * {@link #toString()} and {@link #display()} never contain the user or the password.
 */
final class RedisTarget {
    static final int DEFAULT_PORT = 6379;

    private final String scheme;
    private final HostAndPort hostAndPort;
    private final String user;
    private final String password;
    private final int database;
    private final SSLContext trust;

    private RedisTarget(String scheme, HostAndPort hostAndPort, String user, String password, int database,
                        SSLContext trust) {
        this.scheme = scheme;
        this.hostAndPort = hostAndPort;
        this.user = user;
        this.password = password;
        this.database = database;
        this.trust = trust;
    }

    /**
     * Throws IllegalArgumentException naming OMNI_REDIS_URL and what is wrong (without the password). A rediss://
     * server's certificate is checked against {@code trust} (null = the JVM's trust store) and must name the URL's
     * host: Jedis turns on host name checking whenever it is given no SSL parameters of its own.
     */
    static RedisTarget parse(String url, SSLContext trust) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("OMNI_REDIS_URL is not a URL (expected redis://host:port)");
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("OMNI_REDIS_URL must start with redis:// or rediss://, not " + scheme + "://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("OMNI_REDIS_URL has no host (expected redis://host:port)");
        }
        String user = null;
        String password = null;
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = colon < 0 ? null : userInfo.substring(0, colon);
            password = colon < 0 ? userInfo : userInfo.substring(colon + 1);
            if (user != null && user.isEmpty()) {
                user = null;
            }
        }
        return new RedisTarget(scheme, new HostAndPort(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort()),
                user, password, database(uri.getPath()), trust);
    }

    private static int database(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            int database = Integer.parseInt(path.substring(1));
            if (database >= 0) {
                return database;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("OMNI_REDIS_URL path must be a database number, not " + path);
    }

    HostAndPort hostAndPort() {
        return hostAndPort;
    }

    JedisClientConfig clientConfig(int connectTimeoutMs, int socketTimeoutMs) {
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(connectTimeoutMs)
                .socketTimeoutMillis(socketTimeoutMs)
                .database(database)
                .clientName("omni-bus")
                .serverDefaultProtocol()
                .ssl("rediss".equals(scheme));
        if (trust != null) {
            builder.sslSocketFactory(trust.getSocketFactory());
        }
        if (password != null) {
            builder.user(user).password(password);
        }
        return builder.build();
    }

    /** {@code redis://host:port[/db]}: what logs and /api/v1/node show. */
    String display() {
        return scheme + "://" + hostAndPort.getHost() + ":" + hostAndPort.getPort() + (database == 0 ? "" : "/" + database);
    }

    @Override
    public String toString() {
        return display();
    }
}
