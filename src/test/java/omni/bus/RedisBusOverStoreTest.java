package omni.bus;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import omni.ledger.EmbeddedStore;
import omni.ledger.StoreEventSource;
import org.junit.jupiter.api.Test;

/** The Redis bus over the real embedded store: history, durable watermark, a restart that republishes nothing twice. */
class RedisBusOverStoreTest {

    @Test
    void redisBusOverTheStoreResumesFromItsDurableWatermarkWithoutDuplicates() throws Exception {
        Path dir = Files.createTempDirectory("omni-bus-store-");
        try (EmbeddedStore store = new EmbeddedStore(dir); PrivateRedis redis = PrivateRedis.onFreePort()) {
            store.open("omni");
            StoreLedger ledger = new StoreLedger(store, 11);
            StoreEventSource source = new StoreEventSource(store);
            ledger.append(100, null); // history from before Redis was configured: not pushed to Redis
            redis.start();
            RedisBus first = new RedisBus(redis.url(), source);
            first.start();
            assertThat(store.getMeta(RedisBus.META_POSITION, -1), is(100L));
            StreamConsumer consumer = new StreamConsumer(redis, RedisBus.DEFAULT_KEY_PREFIX, source, new Coverage(100, 0));
            for (int i = 0; i < 20; i++) {
                ledger.append(50, first);
            }
            ledger.checkpoint(first);
            assertThat(consumer.awaitAll(10_000), is(true));
            first.close();
            assertThat("watermark stored at close", store.getMeta(RedisBus.META_POSITION, -1), is(store.lastPosition()));
            for (int i = 0; i < 10; i++) {
                ledger.append(30, null); // committed while this node's bus was down
            }
            ledger.checkpoint(null);
            RedisBus second = new RedisBus(redis.url(), source);
            second.start();
            ledger.append(7, second);
            assertThat(consumer.awaitAll(10_000), is(true));
            Coverage coverage = consumer.stop();
            assertThat(coverage.problems(), empty());
            assertThat(coverage.deliveredPosition(), is(100L + 20 * 50 + 10 * 30 + 7));
            assertThat(coverage.deliveredSeq(), is(2L));
            second.close();
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
