package omni.bus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The Redis bus (docs/events.md). Every event reaches local subscribers at once (an {@link InProcessBus}) and, on
 * the bus's own thread, Redis: {@code XADD <prefix><type> MAXLEN ~ STREAM_ENTRIES_MAX * event <json>} and
 * {@code PUBLISH <prefix><type> <json>}, pipelined. The committer never waits for Redis.
 *
 * <p>The bus thread reads a {@link ReplayingSubscription} that starts after the last position (and checkpoint
 * seq) Redis confirmed, a watermark kept durably through {@link EventSource#putMeta}. When Redis goes away the
 * thread notices within {@code HEARTBEAT_INTERVAL_MS + SOCKET_TIMEOUT_MS}, drops the subscription (so nothing
 * queues for Redis while it is gone), and retries with bounded backoff; when Redis answers again, a new
 * subscription from the watermark republishes from the ledger everything Redis missed, in order, then goes live.
 * Redis therefore gets every position exactly once while the node runs; after a crash it may get again what was
 * published since the last watermark write (at most {@code WATERMARK_INTERVAL_MS}), which consumers drop by position.
 */
public final class RedisBus implements EventBus {
    public static final String DEFAULT_KEY_PREFIX = "omni:";
    /**
     * Approximate cap of each stream (XADD MAXLEN ~). A commit event of 1,000 ids is about 67 KiB, so 10,000
     * entries bound a stream near 670 MiB at the largest batches (far less at typical ones) while keeping the last
     * 50 s of a 200k transfers/s load for consumers that fell behind; older history is in the ledger.
     */
    public static final long STREAM_ENTRIES_MAX = 10_000;
    /** Loopback or LAN connects take well under 100 ms; 2 s tolerates a loaded machine and bounds detection. */
    static final int CONNECT_TIMEOUT_MS = 2_000;
    /** Every reply (PING, pipelined XADD/PUBLISH) must arrive within this; no read may hang forever. */
    static final int SOCKET_TIMEOUT_MS = 2_000;
    /** An idle connection is PINGed this often: loss is noticed within 1 s + SOCKET_TIMEOUT_MS = 3 s, well inside the 5 s docs/events.md promises. */
    static final long HEARTBEAT_INTERVAL_MS = 1_000;
    /** Reconnect backoff doubles from 100 ms to 2 s: a returning Redis is found within 2 s, an absent one costs ~1 try/2 s. */
    static final long BACKOFF_MIN_MS = 100;
    static final long BACKOFF_MAX_MS = 2_000;
    /** Events per pipeline round trip: 64 commit events of 1,000 ids are about 4 MiB, well inside Redis's buffers. */
    static final int PIPELINE_EVENTS_MAX = 64;
    static final int PIPELINE_BYTES_MAX = 4 << 20;
    /** The durable watermark is written at most twice a second: a crash republishes at most 0.5 s of events. */
    static final long WATERMARK_INTERVAL_MS = 500;
    /** close() waits for the bus thread at most one socket timeout plus slack. */
    static final long CLOSE_WAIT_MS = SOCKET_TIMEOUT_MS + 3_000;
    static final String META_POSITION = "bus.redis.lastPosition";
    static final String META_CHECKPOINT_SEQ = "bus.redis.lastCheckpointSeq";
    /** Where publishing to Redis began (the ledger's end at the first start): a republish never goes below it. */
    static final String META_FLOOR_POSITION = "bus.redis.floorPosition";
    static final String META_FLOOR_CHECKPOINT_SEQ = "bus.redis.floorCheckpointSeq";
    static final byte[] FIELD = "event".getBytes(StandardCharsets.US_ASCII);
    /** Reads back the newest stream entries, which OMNI itself wrote as JSON. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Logger LOG = Logger.getLogger(RedisBus.class.getName());

    private final InProcessBus local = new InProcessBus(false);
    private final RedisTarget target;
    private final EventSource source;
    private final byte[] commitKey;
    private final byte[] checkpointKey;
    private final String commitStream;
    private final String checkpointStream;
    /** A key the bus sets on every connect: when it is gone, Redis lost its data (restart, flush, empty replica). */
    private final String markerKey;
    private final XAddParams xAddParams;
    /** Positions a republish after a Redis loss goes back: the stream cap in entries of replay-sized events. */
    private final long republishPositionsMax;
    private final long republishSeqsMax;
    private final CountDownLatch firstAttempt = new CountDownLatch(1);
    /** Counted down by close(): wakes the backoff wait. The bus thread is never interrupted: an interrupt during
     *  the store's file I/O (H2's FileChannel) would close the embedded database. */
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    /** The bus thread's subscription while connected; close() closes it to wake a waiting poll. */
    private volatile ReplayingSubscription current;
    private final Thread thread;
    private volatile boolean closing;
    private volatile boolean connected;
    private volatile String detail = "connecting";
    /** Whether this node is the one that publishes to Redis (in a cluster, the holder of the sealer lease). */
    private volatile BooleanSupplier publisher = () -> true;
    /** Bus thread only: this member stood by while another published. */
    private boolean stoodBy;
    /** Confirmed by Redis; written by the bus thread only. */
    private volatile long publishedPosition;
    private volatile long publishedSeq;
    /** Highest committed, as the publishers told us; written by the committer and the checkpointer. */
    private volatile long knownPosition;
    private volatile long knownSeq;
    /** The first position and seq announced to this bus (publishers' threads write them once). */
    private volatile long firstAnnouncedPosition = Long.MAX_VALUE;
    private volatile long firstAnnouncedSeq = Long.MAX_VALUE;
    /** False until the watermark was read from the ledger; nothing is published or stored before. */
    private volatile boolean watermarkLoaded;
    /** Positions and seqs at or below these were never published to Redis by this ledger's nodes. */
    private volatile long floorPosition;
    private volatile long floorSeq;
    // Bus thread only.
    private long lossCheckedAtMs;
    private long persistedPosition = -1;
    private long persistedSeq = -1;
    private long persistedAtMs;
    private String persistFailure;

    /** {@code redisUrl}: {@code redis://[[user]:password@]host:port[/db]}; throws IllegalArgumentException if malformed. */
    public RedisBus(String redisUrl, EventSource source) {
        this(redisUrl, null, source);
    }

    /** {@code trust} checks a {@code rediss://} server's certificate (from redis.tls.ca); null = the JVM's trust store. */
    public RedisBus(String redisUrl, SSLContext trust, EventSource source) {
        this(redisUrl, trust, source, DEFAULT_KEY_PREFIX, STREAM_ENTRIES_MAX);
    }

    /** {@code keyPrefix} replaces {@code omni:} in stream and channel names (tests use their own). */
    public RedisBus(String redisUrl, EventSource source, String keyPrefix) {
        this(redisUrl, null, source, keyPrefix, STREAM_ENTRIES_MAX);
    }

    /** {@code streamEntriesMax} replaces STREAM_ENTRIES_MAX (the benchmark keeps its Redis small). */
    public RedisBus(String redisUrl, EventSource source, String keyPrefix, long streamEntriesMax) {
        this(redisUrl, null, source, keyPrefix, streamEntriesMax);
    }

    private RedisBus(String redisUrl, SSLContext trust, EventSource source, String keyPrefix, long streamEntriesMax) {
        if (streamEntriesMax < 1) {
            throw new IllegalArgumentException("stream cap " + streamEntriesMax);
        }
        this.xAddParams = XAddParams.xAddParams().maxLen(streamEntriesMax).approximateTrimming();
        this.republishPositionsMax = streamEntriesMax * ReplayingSubscription.REPLAY_CHUNK_POSITIONS;
        this.republishSeqsMax = streamEntriesMax;
        this.target = RedisTarget.parse(redisUrl, trust);
        this.source = source;
        this.commitStream = keyPrefix + BusEvent.COMMIT_TYPE;
        this.checkpointStream = keyPrefix + BusEvent.CHECKPOINT_TYPE;
        this.markerKey = keyPrefix + "bus.marker";
        this.commitKey = commitStream.getBytes(StandardCharsets.UTF_8);
        this.checkpointKey = checkpointStream.getBytes(StandardCharsets.UTF_8);
        this.thread = Thread.ofPlatform().daemon().name("omni-bus-redis").unstarted(this::run);
    }

    /**
     * In a cluster (docs/cluster.md): publish to Redis only while {@code publisher} says so, so that one member at a
     * time publishes; the others keep their events local. The watermark is the cluster's, in the shared ledger: a
     * member that becomes the publisher reads it again and continues from it. Set before {@link #start}.
     */
    public void publishOnlyWhile(BooleanSupplier publisher) {
        this.publisher = publisher;
    }

    /**
     * Loads the watermark (a first start begins at the ledger's current end: history from before Redis was
     * configured is not republished), registers metrics, starts the bus thread and waits for its first connection
     * attempt (at most CONNECT_TIMEOUT_MS + SOCKET_TIMEOUT_MS), then logs whether Redis answered. Starts either way,
     * even when the ledger cannot be read yet (the bus thread loads the watermark once it can).
     */
    @Override
    public void start() {
        try {
            loadWatermarks();
        } catch (RuntimeException e) {
            detail = "cannot read the ledger: " + reason(e) + "; Redis publishing starts once it answers";
        }
        BusMetrics.register(this);
        thread.start();
        try {
            firstAttempt.await(CONNECT_TIMEOUT_MS + SOCKET_TIMEOUT_MS + 1_000L, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        BusState state = state();
        LOG.log(state.connected() ? Level.INFO : Level.WARNING, "bus: " + state.describe());
    }

    /** Before the bus thread starts, or on it. */
    private void loadWatermarks() {
        knownPosition = Math.max(knownPosition, source.lastPosition());
        knownSeq = Math.max(knownSeq, source.latestCheckpointSeq());
        // A first start publishes what was announced since start(), even if the ledger could only be read later.
        // A member taking over from another publisher continues from the cluster's watermark, wherever it is.
        boolean takeover = stoodBy;
        publishedPosition = loadWatermark(META_POSITION, takeover ? source.lastPosition()
                : Math.min(source.lastPosition(), firstAnnouncedPosition - 1));
        publishedSeq = loadWatermark(META_CHECKPOINT_SEQ, takeover ? source.latestCheckpointSeq()
                : Math.min(source.latestCheckpointSeq(), firstAnnouncedSeq - 1));
        floorPosition = loadFloor(META_FLOOR_POSITION, publishedPosition);
        floorSeq = loadFloor(META_FLOOR_CHECKPOINT_SEQ, publishedSeq);
        persistedPosition = publishedPosition;
        persistedSeq = publishedSeq;
        watermarkLoaded = true;
    }

    private long loadWatermark(String key, long ledgerEnd) {
        long value = source.getMeta(key, -1);
        if (value >= 0 && value <= ledgerEnd) {
            return value;
        }
        if (value > ledgerEnd) {
            LOG.warning("bus: " + key + " " + value + " is beyond the ledger's end " + ledgerEnd
                    + " (another ledger?); Redis publishing continues from " + ledgerEnd);
        }
        source.putMeta(key, ledgerEnd);
        return ledgerEnd;
    }

    /** The floor is written once, at the first start (or the first start of a node that predates it). */
    private long loadFloor(String key, long watermark) {
        long value = source.getMeta(key, -1);
        if (value >= 0 && value <= watermark) {
            return value;
        }
        source.putMeta(key, watermark);
        return watermark;
    }

    @Override
    public void publishCommit(long firstPosition, long lastPosition, byte[] ids, int idsOffset) {
        local.publishCommit(firstPosition, lastPosition, ids, idsOffset);
        if (firstAnnouncedPosition == Long.MAX_VALUE) {
            firstAnnouncedPosition = firstPosition;
        }
        knownPosition = lastPosition;
    }

    @Override
    public void publishCheckpoint(long seq, String checkpointJson) {
        local.publishCheckpoint(seq, checkpointJson);
        if (firstAnnouncedSeq == Long.MAX_VALUE) {
            firstAnnouncedSeq = seq;
        }
        knownSeq = seq;
    }

    @Override
    public Subscription subscribe() {
        return local.subscribe();
    }

    @Override
    public AutoCloseable subscribe(EventListener listener) {
        return local.subscribe(listener);
    }

    @Override
    public BusState state() {
        long backlog = Math.max(0, knownPosition - publishedPosition) + Math.max(0, knownSeq - publishedSeq);
        return new BusState(BusState.REDIS, target.display(), connected, backlog, detail);
    }

    /** The last position Redis confirmed (the in-memory watermark). */
    public long publishedPosition() {
        return publishedPosition;
    }

    /** The last checkpoint seq Redis confirmed. */
    public long publishedCheckpointSeq() {
        return publishedSeq;
    }

    private void run() {
        long backoffMs = BACKOFF_MIN_MS;
        while (!closing) {
            if (!publisher.getAsBoolean()) {
                standBy();
                continue;
            }
            try (Jedis jedis = new Jedis(target.hostAndPort(), target.clientConfig(CONNECT_TIMEOUT_MS, SOCKET_TIMEOUT_MS))) {
                if (!watermarkLoaded) {
                    loadWatermarks();
                }
                jedis.ping();
                backoffMs = BACKOFF_MIN_MS;
                pump(jedis);
            } catch (JedisException e) {
                lost("Redis unreachable: " + redisReason(e));
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                lost("cannot read the ledger: " + reason(e));
            }
            firstAttempt.countDown();
            persistWatermark(true);
            if (closing || !sleep(backoffMs)) {
                break;
            }
            backoffMs = Math.min(2 * backoffMs, BACKOFF_MAX_MS);
        }
        persistWatermark(true);
    }

    /** Connected: publishes (replay first, then live) until Redis fails (exception) or the bus closes. */
    private void pump(Jedis jedis) throws InterruptedException {
        boolean redisLost = false;
        while (!closing) {
            adoptWhatRedisHas(jedis, redisLost);
            try (ReplayingSubscription events = new ReplayingSubscription(local, source, publishedPosition, publishedSeq)) {
                current = events;
                becameConnected(events.replayBacklog());
                redisLost = false;
                while (!closing && !events.isClosed() && !redisLost && publisher.getAsBoolean()) {
                    BusEvent event = events.poll(HEARTBEAT_INTERVAL_MS);
                    if (event == null) {
                        jedis.ping();
                        events.catchUpWithLedger();
                    } else {
                        send(jedis, events, event);
                    }
                    persistWatermark(false);
                    redisLost = lostWhatWasPublished(jedis);
                }
                if (!redisLost) {
                    persistWatermark(true);
                    return;
                }
            } finally {
                current = null;
            }
        }
    }

    /**
     * Another member publishes: nothing goes to Redis from here, and the watermark is read again (the publisher
     * moved it) before this member publishes.
     */
    private void standBy() {
        if (connected || !"another member publishes to Redis".equals(detail)) {
            connected = false;
            detail = "another member publishes to Redis";
            local.publishState(state());
        }
        watermarkLoaded = false;
        stoodBy = true;
        firstAttempt.countDown();
        sleep(HEARTBEAT_INTERVAL_MS);
    }

    /**
     * A FLUSHALL, or a failover to an empty replica without a reconnect, removes the marker key; checked once per
     * HEARTBEAT_INTERVAL_MS, so it costs one EXISTS a second. (The newest stream entry is no test while connected:
     * another member publishing the same ledger may trail this one.)
     */
    private boolean lostWhatWasPublished(Jedis jedis) {
        long nowMs = System.currentTimeMillis();
        if (nowMs - lossCheckedAtMs < HEARTBEAT_INTERVAL_MS) {
            return false;
        }
        lossCheckedAtMs = nowMs;
        return !jedis.exists(markerKey);
    }

    /** One pipeline round trip: {@code first} plus whatever else is ready, up to the pipeline limits. */
    private void send(Jedis jedis, ReplayingSubscription events, BusEvent first) throws InterruptedException {
        long lastPosition = -1;
        long lastSeq = -1;
        int eventCount = 0;
        long byteCount = 0;
        try (Pipeline pipeline = jedis.pipelined()) {
            for (BusEvent event = first; event != null;
                 event = eventCount < PIPELINE_EVENTS_MAX && byteCount < PIPELINE_BYTES_MAX ? events.poll(0) : null) {
                byte[] key;
                if (event instanceof BusEvent.Commit commit) {
                    key = commitKey;
                    lastPosition = commit.lastPosition();
                } else if (event instanceof BusEvent.Checkpoint checkpoint) {
                    key = checkpointKey;
                    lastSeq = checkpoint.seq();
                } else {
                    continue; // bus.state is for local subscribers only
                }
                byte[] json = event.json();
                pipeline.xadd(key, xAddParams, Map.of(FIELD, json));
                pipeline.publish(key, json);
                eventCount++;
                byteCount += json.length;
            }
            pipeline.sync();
        }
        if (lastPosition >= 0) {
            publishedPosition = lastPosition;
        }
        if (lastSeq >= 0) {
            publishedSeq = lastSeq;
        }
    }

    /**
     * A pipeline that failed half way leaves Redis holding more than the watermark says, and after a crash the
     * durable watermark may trail the stream by up to WATERMARK_INTERVAL_MS. The newest stream entry is the
     * truth: when it lies between the watermark and the ledger's end, publishing resumes after it, not before.
     */
    private void adoptWhatRedisHas(Jedis jedis, boolean lostWhileConnected) {
        long inStream = newestInStream(jedis, commitStream, "lastPosition");
        if (inStream > publishedPosition && inStream <= source.lastPosition()) {
            publishedPosition = inStream;
        }
        long seqInStream = newestInStream(jedis, checkpointStream, "seq");
        if (seqInStream > publishedSeq && seqInStream <= source.latestCheckpointSeq()) {
            publishedSeq = seqInStream;
        }
        boolean markerLost = !jedis.exists(markerKey) && (publishedPosition > floorPosition || publishedSeq > floorSeq);
        if (markerLost) {
            // What the streams hold now was published after the loss and is republished in order below; left in
            // place it would sit before the older positions.
            jedis.del(commitStream, checkpointStream);
            inStream = -1;
            seqInStream = -1;
        }
        rewindAfterLoss(markerLost, inStream, seqInStream, lostWhileConnected);
        jedis.set(markerKey, "1");
    }

    /**
     * Redis holding less than it confirmed (a restart without persistence, a flush, a failover to an empty or
     * lagging replica: the marker key is gone, or the newest entry is older than the watermark) would leave
     * consumers a gap for good. The watermark goes back to what the capped stream
     * should hold (its newest surviving entry, at most republishPositionsMax positions, never below the floor),
     * so the replay that follows republishes it from the ledger, in order.
     */
    private void rewindAfterLoss(boolean markerLost, long inStream, long seqInStream, boolean lostWhileConnected) {
        long position = publishedPosition;
        long seq = publishedSeq;
        long toPosition = position > floorPosition && (markerLost || inStream < position)
                ? Math.max(floorPosition, Math.max(inStream, position - republishPositionsMax)) : position;
        long toSeq = seq > floorSeq && (markerLost || seqInStream < seq)
                ? Math.max(floorSeq, Math.max(seqInStream, seq - republishSeqsMax)) : seq;
        if (toPosition == position && toSeq == seq) {
            return;
        }
        publishedPosition = toPosition;
        publishedSeq = toSeq;
        long republished = (position - toPosition) + (seq - toSeq);
        BusMetrics.republished(republished);
        LOG.warning("bus: Redis at " + target + " lost what it had confirmed" + (lostWhileConnected ? " (flushed?)" : "")
                + ": its newest entries are position " + inStream + " and checkpoint " + seqInStream + ", not "
                + position + " and " + seq + "; republishing positions " + (toPosition + 1) + ".." + position
                + " and checkpoints " + (toSeq + 1) + ".." + seq + " from the ledger");
    }

    /** The number after {@code field} in the newest entry's JSON, or -1 (empty stream, or not ours). */
    private static long newestInStream(Jedis jedis, String stream, String field) {
        List<StreamEntry> newest = jedis.xrevrange(stream, "+", "-", 1);
        if (newest.isEmpty()) {
            return -1;
        }
        String json = newest.get(0).getFields().get(new String(FIELD, StandardCharsets.US_ASCII));
        if (json == null) {
            return -1;
        }
        try {
            JsonNode value = JSON.readTree(json).path(field);
            return value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0 ? value.longValue() : -1;
        } catch (IOException e) {
            return -1; // not an entry OMNI wrote: the watermark stands
        }
    }

    private void becameConnected(long replayBacklog) {
        connected = true;
        detail = "publishing to Redis";
        LOG.info("bus: Redis at " + target + " answers; publishing to it"
                + (replayBacklog == 0 ? "" : ", first " + replayBacklog + " transfers and checkpoints it missed, from the ledger"));
        local.publishState(state());
        firstAttempt.countDown();
    }

    private void lost(String why) {
        boolean wasConnected = connected;
        String before = detail;
        connected = false;
        detail = why + "; events stay local and reach Redis from the ledger when it answers";
        if (wasConnected) {
            LOG.warning("bus: lost Redis at " + target + ": " + detail);
            local.publishState(state());
        } else if (!before.startsWith(why)) {
            local.publishState(state());
        }
    }

    /** Writes the watermark if it moved and (unless forced) WATERMARK_INTERVAL_MS passed. Bus thread or after it. */
    private void persistWatermark(boolean force) {
        if (!watermarkLoaded) {
            return;
        }
        long position = publishedPosition;
        long seq = publishedSeq;
        long nowMs = System.currentTimeMillis();
        if ((position == persistedPosition && seq == persistedSeq) || (!force && nowMs - persistedAtMs < WATERMARK_INTERVAL_MS)) {
            return;
        }
        try {
            source.putMeta(META_POSITION, position);
            source.putMeta(META_CHECKPOINT_SEQ, seq);
            persistedPosition = position;
            persistedSeq = seq;
            persistedAtMs = nowMs;
            persistFailure = null;
        } catch (RuntimeException e) {
            String why = reason(e);
            if (!why.equals(persistFailure)) {
                LOG.log(Level.WARNING, "bus: cannot store the Redis watermark (position " + position + "); retrying: " + why);
                persistFailure = why;
            }
        }
    }

    /** Waits {@code ms}; false when the bus is closing. */
    private boolean sleep(long ms) {
        try {
            return !closeSignal.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }

    /**
     * {@link #reason} of a failed Redis connection; a TLS handshake that failed (mostly a certificate not trusted or
     * not for this host) also says which setting decides what is trusted.
     */
    private String redisReason(JedisException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return "TLS handshake failed: " + reason(e) + " (the server's certificate must name "
                        + target.hostAndPort().getHost() + " and be signed by a CA of redis.tls.ca, or of the JVM's trust store when that is unset)";
            }
        }
        return reason(e);
    }

    /** The innermost cause's class and message: what actually failed (Jedis wraps it). Never contains the password. */
    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " " + root.getMessage());
    }

    /** Stops the bus thread (within CLOSE_WAIT_MS), stores the watermark, closes local subscriptions. */
    @Override
    public void close() {
        closing = true;
        closeSignal.countDown();
        ReplayingSubscription events = current;
        if (events != null) {
            events.close();
        }
        try {
            thread.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        local.close();
    }
}
