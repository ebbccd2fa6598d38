package omni.bus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * A Redis consumer as an integration would write one: XREAD BLOCK on both streams from the last entry it read,
 * reconnecting whenever Redis is gone. What it reads goes through a {@link Coverage}.
 */
final class StreamConsumer implements AutoCloseable {
    private final PrivateRedis redis;
    private final String commitKey;
    private final String checkpointKey;
    private final EventSource source;
    private final Coverage coverage;
    private final Thread thread;
    private volatile boolean closing;
    private volatile long deliveredPosition;
    private volatile long deliveredSeq;
    private volatile int failureCount;

    StreamConsumer(PrivateRedis redis, String keyPrefix, EventSource source) {
        this(redis, keyPrefix, source, new Coverage());
    }

    /** {@code coverage} says from where on events are expected. */
    StreamConsumer(PrivateRedis redis, String keyPrefix, EventSource source, Coverage coverage) {
        this.redis = redis;
        this.coverage = coverage;
        this.commitKey = keyPrefix + BusEvent.COMMIT_TYPE;
        this.checkpointKey = keyPrefix + BusEvent.CHECKPOINT_TYPE;
        this.source = source;
        this.thread = Thread.ofPlatform().daemon().name("test-stream-consumer").start(this::run);
    }

    private void run() {
        Map<String, StreamEntryID> from = new HashMap<>(Map.of(commitKey, new StreamEntryID(0, 0),
                checkpointKey, new StreamEntryID(0, 0)));
        while (!closing) {
            try (Jedis jedis = redis.client()) {
                while (!closing) {
                    List<Map.Entry<String, List<StreamEntry>>> streams =
                            jedis.xread(XReadParams.xReadParams().block(200).count(500), from);
                    if (streams != null) {
                        streams.forEach(stream -> read(stream.getKey(), stream.getValue(), from));
                    }
                }
            } catch (RuntimeException e) {
                failureCount++;
                sleep(100);
            }
        }
    }

    private void read(String key, List<StreamEntry> entries, Map<String, StreamEntryID> from) {
        for (StreamEntry entry : entries) {
            String json = entry.getFields().get("event");
            if (key.equals(commitKey)) {
                coverage.commit(json, source);
            } else {
                coverage.checkpoint(json, source);
            }
            from.put(key, entry.getID());
        }
        deliveredPosition = coverage.deliveredPosition();
        deliveredSeq = coverage.deliveredSeq();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (at most timeoutMs) until the consumer has read everything the source committed and sealed. */
    boolean awaitAll(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (deliveredPosition == source.lastPosition() && deliveredSeq == source.latestCheckpointSeq()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    long deliveredPosition() {
        return deliveredPosition;
    }

    int failureCount() {
        return failureCount;
    }

    /** Stops reading; then the coverage may be inspected. */
    Coverage stop() throws InterruptedException {
        closing = true;
        thread.join(5_000);
        return coverage;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
