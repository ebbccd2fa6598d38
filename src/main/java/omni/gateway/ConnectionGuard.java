package omni.gateway;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * OMNI's own connection limits: open connections, header size, and the header, body and idle timeouts.
 *
 * <p>Helidon's listener options do not close a connection that trickles its headers a byte at a time: its socket read
 * timeout restarts with every byte, and its idle check only looks at when the last request line arrived. So this is
 * the gateway's only HTTP/1.1 connection selector: it hands Helidon's HTTP/1.1 connection a {@link GuardedConnection},
 * whose reader sees every read and whose phase (headers, body, handling, idle) carries a deadline; a sweeper thread
 * closes each connection whose phase outlived its deadline, however slowly its bytes arrive.
 */
final class ConnectionGuard implements ServerConnectionSelector {
    private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());
    /**
     * Connections kept for {@code /health/*} and {@code /metrics} when the rest are taken: a node has a handful of
     * probes and scrapers (an orchestrator's liveness and readiness checks, a load balancer, Prometheus), each on
     * one connection at a time.
     */
    static final int HEALTH_CONNECTIONS_RESERVED = 16;
    // A deadline is enforced at most this late; 50 ms costs a few microseconds a sweep for thousands of connections.
    static final long SWEEP_INTERVAL_MS = 50;
    // After OMNI answers a request it refuses, the connection reads (and drops) what the client still sends for up
    // to this long, so that closing with unread bytes does not reset the connection before the client reads the answer.
    static final long LINGER_MS = 1_000;
    // Helidon reads a socket 8 KiB at a time. Its own header limit is set this much above OMNI's, so that OMNI's
    // count, which is checked between reads, always answers first (with 431 rather than Helidon's 400).
    static final int READ_SIZE_MAX = 8 * 1024;

    private final HttpLimits limits;
    private final Http1ConnectionSelector http1;
    private final Set<GuardedConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admitted = new AtomicInteger();
    private final ReentrantLock sweeperLock = new ReentrantLock();
    private Thread sweeper;
    private volatile boolean stopped;

    ConnectionGuard(HttpLimits limits) {
        this.limits = limits;
        Http1Config config = Http1Config.builder()
                .maxHeadersSize(limits.headersSizeMax() + READ_SIZE_MAX)
                .maxPrologueLength(limits.headersSizeMax() + READ_SIZE_MAX)
                .addReceiveListener(new Received())
                .addSendListener(new Sent())
                .build();
        this.http1 = Http1ConnectionSelector.builder().config(config).build();
    }

    HttpLimits limits() {
        return limits;
    }

    /**
     * Nothing to read: the gateway's server has no other selector, so Helidon hands every connection here without
     * reading from it first (a connection that never sends a byte is still under the header timeout). Were another
     * selector added, this one, which comes first, still takes every connection, and HTTP/1.1 answers what is not
     * HTTP/1.1 with 400.
     */
    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        startSweeper();
        int count = admitted.incrementAndGet();
        if (count > limits.connectionsMax() && !evictLongestWaiting()) {
            admitted.decrementAndGet();
            return new RefusedConnection(ctx, answer(Status.SERVICE_UNAVAILABLE_503, "Too many connections",
                    "the node has " + limits.connectionsMax() + " open connections, its limit (http.connections.max);"
                            + " retry shortly", ConcurrencyLimit.RETRY_AFTER_SECONDS, null));
        }
        boolean healthOnly = count > limits.connectionsMax() - HEALTH_CONNECTIONS_RESERVED;
        GuardedConnection connection = new GuardedConnection(this, ctx, healthOnly);
        connection.attach(http1.connection(connection));
        open.add(connection);
        return connection;
    }

    /**
     * At the limit, a connection that has waited longest for a request (trickling its headers, or idle between
     * requests) makes room for the new one: otherwise connections that send nothing could hold every slot,
     * the reserved ones too, until their timeout, and again the moment they reopen. A connection serving a request
     * is never chosen. The evicted one is counted until its thread ends, so the count may pass the limit by the
     * connections being evicted at that moment.
     */
    private boolean evictLongestWaiting() {
        GuardedConnection oldest = null;
        long oldestSince = Long.MAX_VALUE;
        for (GuardedConnection connection : open) {
            long since = connection.waitingSinceNanos();
            if (since != Long.MAX_VALUE && (oldest == null || since - oldestSince < 0)) {
                oldest = connection;
                oldestSince = since;
            }
        }
        return oldest != null && oldest.evict();
    }

    /** Called once by each admitted connection when Helidon is done with it. */
    void closed(GuardedConnection connection) {
        if (open.remove(connection)) {
            admitted.decrementAndGet();
        }
    }

    /** Connections admitted and not yet closed (for tests and the figures in docs/operations.md). */
    int openCount() {
        return admitted.get();
    }

    void stop() {
        stopped = true;
        sweeperLock.lock();
        try {
            if (sweeper != null) {
                sweeper.interrupt();
            }
        } finally {
            sweeperLock.unlock();
        }
    }

    private void startSweeper() {
        if (sweeper != null) {
            return;
        }
        sweeperLock.lock();
        try {
            if (sweeper == null && !stopped) {
                sweeper = Thread.ofPlatform().daemon(true).name("omni-http-connection-guard").start(this::sweep);
            }
        } finally {
            sweeperLock.unlock();
        }
    }

    private void sweep() {
        while (!stopped) {
            long now = System.nanoTime();
            for (GuardedConnection connection : open) {
                try {
                    connection.enforce(now);
                } catch (RuntimeException e) {
                    // The sweeper must outlive any one connection: without it no deadline holds.
                    LOG.log(Level.WARNING, "could not enforce the limits of connection " + connection.childSocketId(), e);
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(SWEEP_INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A complete HTTP/1.1 answer that closes the connection, with an RFC 9457 body. */
    static byte[] answer(Status status, String title, String detail, int retryAfterSeconds, String instance) {
        byte[] body = new Problem(status.code(), title, detail, retryAfterSeconds).json(instance);
        StringBuilder head = new StringBuilder(256)
                .append("HTTP/1.1 ").append(status.code()).append(' ').append(status.reasonPhrase()).append("\r\n")
                .append("Content-Type: ").append(Problem.MEDIA_TYPE).append("\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n")
                .append("Connection: close\r\n");
        if (retryAfterSeconds > 0) {
            head.append("Retry-After: ").append(retryAfterSeconds).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    private static GuardedConnection guarded(ConnectionContext ctx) {
        if (ctx instanceof GuardedConnection connection) {
            return connection;
        }
        throw new IllegalStateException("HTTP/1.1 connection " + ctx.childSocketId() + " did not come from the guard");
    }

    /** Request lines and headers, as Helidon parses them on the connection's thread. */
    private static final class Received implements Http1ConnectionListener {
        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            guarded(ctx).prologueRead(prologue);
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            guarded(ctx).headersRead(headers);
        }
    }

    /** The start of each response. */
    private static final class Sent implements Http1ConnectionListener {
        @Override
        public void status(ConnectionContext ctx, Status status) {
            guarded(ctx).responseStarted();
        }
    }
}
