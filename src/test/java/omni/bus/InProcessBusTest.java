package omni.bus;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InProcessBusTest {

    @Test
    void commitEventJsonIsExactlySpecSection6() throws Exception {
        try (InProcessBus bus = new InProcessBus(); Subscription subscription = bus.subscribe()) {
            byte[] ids = new byte[3 * 32];
            ids[32] = (byte) 0xff;  // the first of the two published ids
            ids[95] = 0x01;         // the last byte of the second
            bus.publishCommit(7, 8, ids, 32);
            BusEvent event = subscription.poll(1_000);
            assertThat(event.type(), is("transaction.commit"));
            assertThat(new String(event.json(), StandardCharsets.UTF_8), is("{\"firstPosition\":7,\"lastPosition\":8,\"count\":2,"
                    + "\"ids\":[\"ff" + "00".repeat(31) + "\",\"" + "00".repeat(31) + "01\"]}"));
            bus.publishCheckpoint(4, "{\"seq\":4}");
            BusEvent checkpoint = subscription.poll(1_000);
            assertThat(checkpoint.type(), is("checkpoint.created"));
            assertThat(new String(checkpoint.json(), StandardCharsets.UTF_8), is("{\"seq\":4}"));
        }
    }

    @Test
    void stuckSubscribersNeverBlockThePublisherAndAreMarkedLagging() throws Exception {
        MemoryEventSource source = new MemoryEventSource(1);
        CountDownLatch release = new CountDownLatch(1);
        long[] lagged = new long[1];
        try (InProcessBus bus = new InProcessBus(); Subscription neverPolled = bus.subscribe();
             AutoCloseable stuck = bus.subscribe(new EventListener() {
                 @Override
                 public void onEvent(BusEvent event) {
                     awaitQuietly(release);
                 }

                 @Override
                 public void onLagging(long droppedEventCount) {
                     lagged[0] += droppedEventCount;
                 }
             })) {
            int eventCount = 20 * Subscription.EVENTS_MAX;
            long startNs = System.nanoTime();
            long slowestNs = 0;
            for (int i = 0; i < eventCount; i++) {
                long callNs = System.nanoTime();
                source.commitAndPublish(bus, 100);
                slowestNs = Math.max(slowestNs, System.nanoTime() - callNs);
            }
            long totalMs = (System.nanoTime() - startNs) / 1_000_000;
            System.out.printf("published %d events of 100 ids in %d ms, slowest call %d us%n", eventCount, totalMs, slowestNs / 1_000);
            assertThat("slowest publishCommit (ms)", slowestNs / 1_000_000, lessThan(1_000L));
            assertThat(neverPolled.droppedCount(), is((long) eventCount - Subscription.EVENTS_MAX));
            assertThat(neverPolled.size(), is(Subscription.EVENTS_MAX));
            release.countDown();
            long deadline = System.currentTimeMillis() + 5_000;
            while (lagged[0] == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat("the stuck listener was told it lagged", lagged[0] > 0, is(true));
        }
    }

    @Test
    void replayingSubscriptionFillsDroppedEventsFromTheLedger() throws Exception {
        MemoryEventSource source = new MemoryEventSource(2);
        source.commitAndPublish(new InProcessBus(), 50); // committed before anyone subscribed
        try (InProcessBus bus = new InProcessBus();
             ReplayingSubscription subscription = new ReplayingSubscription(bus, source, 10, 0)) {
            for (int i = 0; i < 5 * Subscription.EVENTS_MAX; i++) {
                source.commitAndPublish(bus, 1 + i % 7);
                if (i % 100 == 0) {
                    source.checkpointAndPublish(bus);
                }
            }
            Coverage coverage = new Coverage();
            for (long position = 1; position <= 10; position++) {
                coverage.commit(commitJson(position, source), source); // what the subscriber had before position 10
            }
            BusEvent event;
            while ((event = subscription.poll(200)) != null) {
                String json = new String(event.json(), StandardCharsets.UTF_8);
                if (event instanceof BusEvent.Commit) {
                    coverage.commit(json, source);
                } else {
                    coverage.checkpoint(json, source);
                }
            }
            assertThat(coverage.problems(), empty());
            assertThat(coverage.deliveredPosition(), equalTo(source.lastPosition()));
            assertThat(coverage.deliveredSeq(), equalTo(source.latestCheckpointSeq()));
        }
    }

    private static String commitJson(long position, MemoryEventSource source) {
        byte[] id = new byte[32];
        source.readIds(position, position, id, 0);
        return new String(CommitJson.encode(position, position, id), StandardCharsets.UTF_8);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
