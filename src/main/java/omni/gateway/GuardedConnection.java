package omni.gateway;

import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.task.InterruptableTask;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.spi.ServerConnection;

/**
 * One admitted connection, seen by Helidon's HTTP/1.1 connection as its context: its reader reads the socket through
 * {@link #read()}, which moves the connection through its phases, each with a deadline that the guard's sweeper
 * enforces ({@link #enforce}).
 *
 * <ul>
 *   <li>HEAD: from a request's first byte (or the connection's start) to the end of its headers, within
 *       {@code http.header.timeout.ms} and {@code http.headers.size.max} bytes;</li>
 *   <li>BODY: from the end of the headers until the body's last byte has been read (counted against
 *       Content-Length, or followed through the chunked framing), within {@code http.body.timeout.ms};</li>
 *   <li>BUSY: the request is being handled or answered; no deadline (handlers have their own bounds);</li>
 *   <li>IDLE: the server waits for the next request on a keep-alive connection, within {@code http.idle.timeout.ms};</li>
 *   <li>CLOSING: answered by OMNI; what the client still sends is dropped for {@link ConnectionGuard#LINGER_MS}.</li>
 * </ul>
 *
 * <p>Single writer: the connection's own thread moves the phase; the sweeper only reads it, and on an expired deadline
 * answers (408 where no response has started) and closes the socket, which ends the blocked read with an exception.
 */
final class GuardedConnection implements ServerConnection, ConnectionContext {
    private static final System.Logger LOG = System.getLogger(GuardedConnection.class.getName());

    // Helidon has no constant for 431 (RFC 6585).
    private static final Status HEADERS_TOO_LARGE_431 = Status.create(431, "Request Header Fields Too Large");

    enum Phase { HEAD, BODY, BUSY, IDLE, CLOSING }

    /** A phase and the System.nanoTime() by which it must end (ignored for BUSY). */
    private record State(Phase phase, long deadlineNanos) {
    }

    private final ConnectionGuard guard;
    private final ConnectionContext ctx;
    private final HttpLimits limits;
    private final boolean healthOnly;
    private final DataReader reader;
    private final AtomicBoolean answered = new AtomicBoolean();
    private ServerConnection http1;
    private volatile State state;
    // Written by the connection's thread only: bytes read so far, and where the current request began among them.
    private volatile long received;
    private volatile long requestStart;
    private long bodyLeft;
    private ChunkedBodyEnd chunked;
    private byte[] lastRead = new byte[0];
    private volatile boolean responseStarted;

    GuardedConnection(ConnectionGuard guard, ConnectionContext ctx, boolean healthOnly) {
        this.guard = guard;
        this.ctx = ctx;
        this.limits = guard.limits();
        this.healthOnly = healthOnly;
        this.reader = DataReader.create(this::read);
        this.state = new State(Phase.HEAD, deadline(limits.headerTimeoutMs()));
    }

    /** The Helidon connection this one guards; set once, on the connection's thread, before {@link #handle}. */
    void attach(ServerConnection connection) {
        if (http1 != null) {
            throw new IllegalStateException("connection " + childSocketId() + " attached twice");
        }
        this.http1 = connection;
    }

    @Override
    public void handle(Limit limit) throws InterruptedException {
        try {
            http1.handle(limit);
        } finally {
            guard.closed(this);
        }
    }

    @Override
    public Duration idleTime() {
        return http1.idleTime();
    }

    @Override
    public void close(boolean interrupt) {
        http1.close(interrupt);
    }

    // ---- the reader: every socket read of the connection passes here, on the connection's thread ----

    private byte[] read() {
        State s = state;
        if (s.phase() == Phase.CLOSING) {
            drainAndClose();
        }
        if (s.phase() == Phase.HEAD && received - requestStart > limits.headersSizeMax()) {
            refuse(HEADERS_TOO_LARGE_431, "Request header fields too large",
                    "the request line and headers exceed " + limits.headersSizeMax() + " bytes (http.headers.size.max)",
                    null);
        }
        if ((s.phase() == Phase.BUSY || s.phase() == Phase.BODY) && readingRequestLine()) {
            // The previous request is done and nothing of the next one is here yet.
            requestStart = received - reader.available();
            state = new State(Phase.IDLE, deadline(limits.idleTimeoutMs()));
        }
        byte[] bytes = socketRead();
        if (bytes == null) {
            return null;
        }
        received += bytes.length;
        lastRead = bytes;
        s = state;
        if (s.phase() == Phase.IDLE) {
            state = new State(Phase.HEAD, deadline(limits.headerTimeoutMs()));
        } else if (s.phase() == Phase.BODY) {
            bodyRead(bytes, 0);
        }
        return bytes;
    }

    private byte[] socketRead() {
        DataReader peeked = ctx.dataReader();
        if (peeked.available() > 0) {
            // Bytes Helidon read to choose among several connection selectors (a server configured with more
            // protocols than the gateway's own): they come first.
            return peeked.readBytes(peeked.available());
        }
        try {
            return ctx.serverSocket().get();
        } catch (UncheckedIOException e) {
            throw new ServerConnectionException("Failed to get data from socket", e);
        }
    }

    private boolean readingRequestLine() {
        return http1 instanceof InterruptableTask<?> task && task.canInterrupt();
    }

    private void bodyRead(byte[] bytes, int from) {
        boolean done;
        if (chunked != null) {
            done = chunked.feed(bytes, from, bytes.length);
        } else {
            bodyLeft -= bytes.length - from;
            done = bodyLeft <= 0;
        }
        if (done) {
            state = new State(Phase.BUSY, 0);
        }
    }

    // ---- Helidon's parse events, on the connection's thread ----

    void prologueRead(HttpPrologue prologue) {
        if (state.phase() != Phase.HEAD) {
            // A pipelined request, whose request line was read with the previous request: its headers have a
            // deadline from now.
            state = new State(Phase.HEAD, deadline(limits.headerTimeoutMs()));
        }
        String path = prologue.uriPath().path();
        if (healthOnly && !ConcurrencyLimit.exempt(path)) {
            refuse(Status.SERVICE_UNAVAILABLE_503, "Too many connections", "the node has "
                    + (limits.connectionsMax() - ConnectionGuard.HEALTH_CONNECTIONS_RESERVED) + " open connections,"
                    + " its limit (http.connections.max less those kept for health and metrics); retry shortly", path);
        }
    }

    void headersRead(Headers headers) {
        int buffered = reader.available();
        long headEnd = received - buffered;
        if (headEnd - requestStart > limits.headersSizeMax()) {
            refuse(HEADERS_TOO_LARGE_431, "Request header fields too large",
                    "the request line and headers exceed " + limits.headersSizeMax() + " bytes (http.headers.size.max)",
                    null);
        }
        responseStarted = false;
        chunked = headers.contains(HeaderNames.TRANSFER_ENCODING) ? new ChunkedBodyEnd() : null;
        long length = chunked == null ? contentLength(headers) : 0;
        // The next request begins after this body; a chunked body's end is known only when it has been read.
        requestStart = headEnd + length;
        if (chunked == null && length <= buffered) {
            state = new State(Phase.BUSY, 0);
            return;
        }
        bodyLeft = length;
        state = new State(Phase.BODY, deadline(limits.bodyTimeoutMs()));
        int tail = Math.min(buffered, lastRead.length);
        bodyRead(lastRead, lastRead.length - tail);
    }

    void responseStarted() {
        responseStarted = true;
    }

    private static long contentLength(Headers headers) {
        try {
            return headers.contentLength().orElse(0);
        } catch (IllegalArgumentException e) {
            // Helidon answers 400 for a Content-Length that is not a number before reading any body.
            return 0;
        }
    }

    // ---- answers and closing ----

    /** Answers from the connection's thread, drops what the client still sends for a moment, and closes. */
    private void refuse(Status status, String title, String detail, String instance) {
        if (answered.compareAndSet(false, true)) {
            state = new State(Phase.CLOSING, deadline(ConnectionGuard.LINGER_MS));
            write(ConnectionGuard.answer(status, title, detail,
                    status.code() == 503 ? ConcurrencyLimit.RETRY_AFTER_SECONDS : 0, instance));
        }
        drainAndClose();
    }

    private void drainAndClose() {
        // Ends when the client closes (it has read the answer, which says Connection: close) or when the sweeper
        // closes the socket at the end of the linger time.
        try {
            while (socketRead() != null) {
                // dropped
            }
        } catch (RuntimeException e) {
            LOG.log(Level.TRACE, "connection " + childSocketId() + " ended while lingering", e);
        }
        throw new CloseConnectionException("answered by the gateway's connection limits");
    }

    /**
     * When this connection began to wait for a request (the headers of one, or the next one on a keep-alive
     * connection); {@code Long.MAX_VALUE} while it is serving one, or is answered.
     */
    long waitingSinceNanos() {
        State s = state;
        if (answered.get()) {
            return Long.MAX_VALUE;
        }
        return switch (s.phase()) {
            case HEAD -> s.deadlineNanos() - TimeUnit.MILLISECONDS.toNanos(limits.headerTimeoutMs());
            case IDLE -> s.deadlineNanos() - TimeUnit.MILLISECONDS.toNanos(limits.idleTimeoutMs());
            case BODY, BUSY, CLOSING -> Long.MAX_VALUE;
        };
    }

    /** Closes this connection to make room for a new one, if it is still waiting for a request; true if it did. */
    boolean evict() {
        if (waitingSinceNanos() == Long.MAX_VALUE || !answered.compareAndSet(false, true)) {
            return false;
        }
        closeSocket();
        return true;
    }

    /** On the sweeper's thread: closes the connection if its phase outlived its deadline. */
    void enforce(long nowNanos) {
        State s = state;
        if (s.phase() == Phase.BUSY || nowNanos - s.deadlineNanos() < 0) {
            return;
        }
        if (s.phase() == Phase.CLOSING || !answered.compareAndSet(false, true)) {
            // Answered, and the linger time is over (or the answer's write is stuck on a client that does not read).
            closeSocket();
            return;
        }
        byte[] answer = timeoutAnswer(s.phase());
        state = new State(Phase.CLOSING, deadline(ConnectionGuard.LINGER_MS));
        // The write may block on a client that does not read; a virtual thread takes it, and the sweeper closes the
        // socket at the end of the linger time if it is still open.
        Thread.ofVirtual().name("omni-http-timeout").start(() -> {
            if (answer != null) {
                write(answer);
            }
            closeSocket();
        });
    }

    private byte[] timeoutAnswer(Phase phase) {
        if (phase == Phase.HEAD && received > requestStart) {
            return ConnectionGuard.answer(Status.REQUEST_TIMEOUT_408, "Request timeout", "the request line and headers"
                    + " did not arrive within " + limits.headerTimeoutMs() + " ms (http.header.timeout.ms)", 0, null);
        }
        if (phase == Phase.BODY && !responseStarted) {
            return ConnectionGuard.answer(Status.REQUEST_TIMEOUT_408, "Request timeout", "the request body did not"
                    + " arrive within " + limits.bodyTimeoutMs() + " ms (http.body.timeout.ms); nothing of it was"
                    + " committed", 0, null);
        }
        // An idle connection, or one that has not sent a byte, is closed without an answer (RFC 9112 section 9.5).
        return null;
    }

    private void write(byte[] answer) {
        try {
            ctx.dataWriter().writeNow(BufferData.create(answer));
        } catch (RuntimeException e) {
            LOG.log(Level.TRACE, "could not answer on connection " + childSocketId(), e);
        }
    }

    private void closeSocket() {
        try {
            ctx.serverSocket().close();
        } catch (RuntimeException e) {
            // Closed already: by the client, by Helidon, or by an earlier sweep.
            LOG.log(Level.TRACE, "connection " + childSocketId() + " was closed already", e);
        }
    }

    private static long deadline(long ms) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    }

    // ---- the rest of the context is Helidon's ----

    @Override
    public DataReader dataReader() {
        return reader;
    }

    @Override
    public ListenerContext listenerContext() {
        return ctx.listenerContext();
    }

    @Override
    public ExecutorService executor() {
        return ctx.executor();
    }

    @Override
    public DataWriter dataWriter() {
        return ctx.dataWriter();
    }

    @Override
    public Router router() {
        return ctx.router();
    }

    @Override
    public Optional<ProxyProtocolData> proxyProtocolData() {
        return ctx.proxyProtocolData();
    }

    @Override
    public HelidonSocket serverSocket() {
        return ctx.serverSocket();
    }

    @Override
    public PeerInfo remotePeer() {
        return ctx.remotePeer();
    }

    @Override
    public PeerInfo localPeer() {
        return ctx.localPeer();
    }

    @Override
    public boolean isSecure() {
        return ctx.isSecure();
    }

    @Override
    public String socketId() {
        return ctx.socketId();
    }

    @Override
    public String childSocketId() {
        return ctx.childSocketId();
    }
}
