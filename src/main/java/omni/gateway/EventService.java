package omni.gateway;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import omni.bus.BusEvent;
import omni.bus.EventBus;
import omni.bus.EventSource;
import omni.bus.ReplayingSubscription;

/**
 * {@code GET /api/v1/events}: server-sent events {@code transaction.commit}, {@code checkpoint.created} and
 * {@code bus.state}, with the same JSON as the Redis streams. Every event's {@code id:} is the client's cursor,
 * {@code <last position delivered>:<last checkpoint seq delivered>}; a client that reconnects with that value as
 * {@code Last-Event-ID} (browsers do so by themselves) gets, from the ledger, everything it missed, then live
 * events. Without it a client starts live. Each client runs on its request's virtual thread with a bounded
 * subscription; one that reads too slowly loses live events and is caught up from the ledger, never slowing others.
 */
public final class EventService implements HttpService, AutoCloseable {
    /**
     * SSE clients at once. Each holds a virtual thread and a subscription of up to 256 events (shared event
     * objects, so memory grows with lag, not with clients); 64 serves the consoles and integrations of one node
     * and stays inside the bus's subscriber limit of 128.
     */
    public static final int CLIENTS_MAX = 64;
    /** A comment line after this much silence: a dead client's socket fails on the write; 10 s is below the
     *  30-60 s idle cut-off of common proxies. */
    public static final long HEARTBEAT_INTERVAL_MS = 10_000;
    /** What a client turned away for CLIENTS_MAX is told to wait. */
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    private static final Pattern CURSOR = Pattern.compile("(\\d{1,18}):(\\d{1,18})");
    private static final Logger LOG = Logger.getLogger(EventService.class.getName());

    private final EventBus bus;
    private final EventSource source;
    private final Semaphore clients;
    private final long heartbeatIntervalMs;
    private final Set<ReplayingSubscription> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public EventService(EventBus bus, EventSource source) {
        this(bus, source, CLIENTS_MAX, HEARTBEAT_INTERVAL_MS);
    }

    /** Tests shrink the limits. */
    EventService(EventBus bus, EventSource source, int clientsMax, long heartbeatIntervalMs) {
        this.bus = bus;
        this.source = source;
        this.clients = new Semaphore(clientsMax);
        this.heartbeatIntervalMs = heartbeatIntervalMs;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/events", this::events);
    }

    private void events(ServerRequest request, ServerResponse response) {
        Optional<String> lastEventId = request.headers().first(LAST_EVENT_ID)
                .or(() -> request.query().first("lastEventId").asOptional());
        long lastPosition;
        long latestSeq;
        try {
            lastPosition = source.lastPosition();
            latestSeq = source.latestCheckpointSeq();
        } catch (RuntimeException e) {
            throw new ApiException(503, "Ledger unavailable", "the ledger cannot be read to start the event stream: "
                    + e.getMessage(), RETRY_AFTER_SECONDS);
        }
        long afterPosition = lastPosition;
        long afterSeq = latestSeq;
        if (lastEventId.isPresent()) {
            Matcher matcher = CURSOR.matcher(lastEventId.get().trim());
            if (!matcher.matches()) {
                throw new ApiException(400, "Bad Last-Event-ID", "Last-Event-ID must be <position>:<checkpoint seq> as "
                        + "sent in an event's id, not " + quoteShort(lastEventId.get()));
            }
            afterPosition = Long.parseLong(matcher.group(1));
            afterSeq = Long.parseLong(matcher.group(2));
            if (afterPosition > lastPosition || afterSeq > latestSeq) {
                throw new ApiException(400, "Last-Event-ID ahead of the ledger", "Last-Event-ID " + afterPosition + ":"
                        + afterSeq + " is beyond this ledger (last position " + lastPosition + ", checkpoint " + latestSeq + ")");
            }
        }
        if (closed) {
            throw new ApiException(503, "Node stopping", "the node is shutting down; reconnect to another member or later",
                    RETRY_AFTER_SECONDS);
        }
        if (!clients.tryAcquire()) {
            throw new ApiException(503, "Too many event clients", "the node already streams events to its limit of "
                    + "clients; retry later", RETRY_AFTER_SECONDS);
        }
        try {
            stream(response, afterPosition, afterSeq);
        } finally {
            clients.release();
        }
    }

    /** Sends the bus state, then every event after the cursor, until the client, the bus or this service closes. */
    private void stream(ServerResponse response, long afterPosition, long afterSeq) {
        try (ReplayingSubscription events = new ReplayingSubscription(bus, source, afterPosition, afterSeq)) {
            streams.add(events);
            try {
                if (!closed) {
                    send(response.sink(SseSink.TYPE), events);
                }
            } finally {
                streams.remove(events);
            }
        } catch (UncheckedIOException | CloseConnectionException e) {
            LOG.log(Level.FINE, "event client went away", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Typically the ledger could not be read for a replay; the client reconnects with its Last-Event-ID.
            LOG.log(Level.WARNING, "event stream ended: " + e.getMessage(), e);
        }
    }

    private void send(SseSink sink, ReplayingSubscription events) throws InterruptedException {
        try {
            sink.emit(event(BusEvent.STATE_TYPE, bus.state().toJson().getBytes(StandardCharsets.UTF_8), events));
            while (!events.isClosed()) {
                BusEvent event = events.poll(heartbeatIntervalMs);
                if (event != null) {
                    sink.emit(event(event.type(), event.json(), events));
                } else if (!events.isClosed()) {
                    sink.emit(SseEvent.builder().comment("heartbeat").build());
                    events.catchUpWithLedger();
                }
            }
        } finally {
            closeQuietly(sink);
        }
    }

    /**
     * Ends every open stream and turns new clients away (503): call it when the node stops, before the gateway
     * drains, since an event stream is a request that never finishes by itself. Clients reconnect elsewhere or
     * later with their Last-Event-ID and lose nothing.
     */
    @Override
    public void close() {
        closed = true;
        streams.forEach(ReplayingSubscription::close);
    }

    private static SseEvent event(String type, byte[] json, ReplayingSubscription events) {
        return SseEvent.builder()
                .id(events.deliveredPosition() + ":" + events.deliveredCheckpointSeq())
                .name(type)
                .data(json)
                .build();
    }

    private static void closeQuietly(SseSink sink) {
        try {
            sink.close();
        } catch (UncheckedIOException | CloseConnectionException e) {
            // the client is already gone
        }
    }

    private static String quoteShort(String text) {
        return "\"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
    }
}
