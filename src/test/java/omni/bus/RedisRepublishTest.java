package omni.bus;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** A private redis-server without persistence restarted (and flushed) under commits: the stream has no gap after. */
class RedisRepublishTest {
    /** A small cap keeps the test fast: 10 entries of 1,000 replayed positions are republished at most. */
    private static final long STREAM_ENTRIES_MAX = 10;
    private static final Pattern COMMIT = Pattern.compile("\\{\"firstPosition\":(\\d+),\"lastPosition\":(\\d+),.*");
    private static final Pattern SEQ = Pattern.compile("\\{\"seq\":(\\d+),.*");

    @Test
    void redisThatComesBackEmptyGetsTheCappedStreamBackFromTheLedger() throws Exception {
        MemoryEventSource source = MemoryEventSource.withPrintedSeed();
        try (PrivateRedis redis = PrivateRedis.withoutPersistence()) {
            redis.start();
            RedisBus bus = new RedisBus(redis.url(), source, RedisBus.DEFAULT_KEY_PREFIX, STREAM_ENTRIES_MAX);
            bus.start();
            for (int i = 0; i < 30; i++) {
                source.commitAndPublish(bus, 700); // 21,000 positions, as in the report of the lost stream
                if (i % 10 == 9) {
                    source.checkpointAndPublish(bus);
                }
            }
            waitFor("published before the restart", 10_000, () -> bus.state().backlog() == 0);
            StreamEntryID consumerAt = newestId(redis);
            long consumerPosition = source.lastPosition();
            double before = republished();

            redis.stop();
            source.commitAndPublish(bus, 500); // committed while Redis is down
            redis.start();
            source.commitAndPublish(bus, 300);
            waitFor("republished after the restart", 20_000, () -> republished() > before && bus.state().backlog() == 0);
            long republishedCount = (long) (republished() - before);
            System.out.printf("restart without persistence: %d transfers and checkpoints republished%n", republishedCount);
            assertThat(republishedCount, greaterThanOrEqualTo(STREAM_ENTRIES_MAX * ReplayingSubscription.REPLAY_CHUNK_POSITIONS));
            assertCappedStreamComplete(redis, source);
            assertThat("a consumer resuming from its stream id finds no gap",
                    gapsAfter(redis, consumerAt, consumerPosition), empty());

            try (Jedis jedis = redis.client()) {
                jedis.flushAll(); // while connected: noticed through the marker key within a heartbeat
            }
            double beforeFlush = republished();
            source.commitAndPublish(bus, 200);
            waitFor("republished after FLUSHALL", 20_000, () -> republished() > beforeFlush && bus.state().backlog() == 0
                    && newestPosition(redis) == source.lastPosition());
            assertCappedStreamComplete(redis, source);
            bus.close();
        }
    }

    /**
     * The stream holds what its cap keeps (MAXLEN ~ trims to at least STREAM_ENTRIES_MAX entries), contiguous and in
     * order up to the ledger's end, and so do the checkpoints.
     */
    private static void assertCappedStreamComplete(PrivateRedis redis, MemoryEventSource source) {
        List<long[]> events = commits(redis, null);
        assertThat("entries in the stream", (long) events.size(), greaterThanOrEqualTo(STREAM_ENTRIES_MAX));
        List<String> gaps = new ArrayList<>();
        for (int i = 1; i < events.size(); i++) {
            if (events.get(i)[0] != events.get(i - 1)[1] + 1) {
                gaps.add(events.get(i - 1)[1] + " then " + events.get(i)[0]);
            }
        }
        assertThat(gaps, empty());
        assertThat(events.get(events.size() - 1)[1], is(source.lastPosition()));
        try (Jedis jedis = redis.client()) {
            List<StreamEntry> checkpoints = jedis.xrange("omni:checkpoint.created", (StreamEntryID) null, null);
            long previous = -1;
            for (StreamEntry entry : checkpoints) {
                Matcher m = SEQ.matcher(entry.getFields().get("event"));
                assertThat(m.matches(), is(true));
                long seq = Long.parseLong(m.group(1));
                assertThat("checkpoints in order", previous < 0 || seq == previous + 1, is(true));
                previous = seq;
            }
            assertThat(previous, is(source.latestCheckpointSeq()));
        }
    }

    /** What a consumer that had read up to {@code afterId} (position {@code position}) reads next: gaps only. */
    private static List<String> gapsAfter(PrivateRedis redis, StreamEntryID afterId, long position) {
        List<String> gaps = new ArrayList<>();
        long next = position + 1;
        for (long[] event : commits(redis, afterId)) {
            if (event[0] > next) {
                gaps.add("expected " + next + ", got " + event[0]);
            }
            next = Math.max(next, event[1] + 1); // duplicates are dropped by position
        }
        return gaps;
    }

    private static List<long[]> commits(PrivateRedis redis, StreamEntryID afterId) {
        try (Jedis jedis = redis.client()) {
            List<StreamEntry> entries = afterId == null
                    ? jedis.xrange("omni:transaction.commit", (StreamEntryID) null, null)
                    : jedis.xrange("omni:transaction.commit", new StreamEntryID(afterId.getTime(), afterId.getSequence() + 1), null);
            List<long[]> events = new ArrayList<>();
            for (StreamEntry entry : entries) {
                Matcher m = COMMIT.matcher(entry.getFields().get("event"));
                assertThat(m.matches(), is(true));
                events.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
            return events;
        }
    }

    private static StreamEntryID newestId(PrivateRedis redis) {
        try (Jedis jedis = redis.client()) {
            return jedis.xrevrange("omni:transaction.commit", (StreamEntryID) null, null, 1).get(0).getID();
        }
    }

    private static long newestPosition(PrivateRedis redis) {
        try (Jedis jedis = redis.client()) {
            List<StreamEntry> newest = jedis.xrevrange("omni:transaction.commit", (StreamEntryID) null, null, 1);
            if (newest.isEmpty()) {
                return -1;
            }
            Matcher m = COMMIT.matcher(newest.get(0).getFields().get("event"));
            return m.matches() ? Long.parseLong(m.group(2)) : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static double republished() {
        return BusMetrics.republishedCounter().count();
    }

    private static void waitFor(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
