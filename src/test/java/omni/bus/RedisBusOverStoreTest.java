package omni.bus;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import omni.ledger.EmbeddedStore;
import omni.ledger.StoreEventSource;
import omni.proof.Checkpoint;
import org.junit.jupiter.api.Test;

/** The Redis bus over the real embedded store: history, durable watermark, a restart that republishes nothing twice. */
class RedisBusOverStoreTest {

    @Test
    void redisBusOverTheStoreResumesFromItsDurableWatermarkWithoutDuplicates() throws Exception {
        Path dir = Files.createTempDirectory("omni-bus-store-");
        try (EmbeddedStore store = new EmbeddedStore(dir); PrivateRedis redis = PrivateRedis.onFreePort()) {
            store.open("omni");
            Ledger ledger = new Ledger(store, 11);
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

    /** Appends transfers from the issuer (random ids: the store does not validate, the kernel does) and seals checkpoints. */
    private static final class Ledger {
        private final EmbeddedStore store;
        private final Random random;
        private final TransferBatch batch = new TransferBatch();
        private long issuerSeq;
        private long sealedPosition = -1;

        Ledger(EmbeddedStore store, long seed) {
            this.store = store;
            this.random = new Random(seed);
        }

        void append(int count, EventBus bus) throws Exception {
            batch.clear();
            long first = store.lastPosition() + 1;
            byte[] parent = TransferIds.genesisId("omni");
            for (int i = 0; i < count; i++) {
                int at = batch.add(0, 1 + random.nextInt(5), 1, ++issuerSeq, 1_764_130_000_000L);
                batch.setParents(at, parent, 0, 1);
                byte[] id = new byte[TransferBatch.ID_SIZE];
                random.nextBytes(id);
                batch.setCommitted(at, first + i, id, 0);
            }
            store.append(new TransferBatch[] {batch}, 1);
            if (bus != null) {
                bus.publishCommit(first, first + count - 1, batch.id, 0);
            }
        }

        void checkpoint(EventBus bus) throws Exception {
            long seq = store.latestCheckpoint() == null ? 1 : store.latestCheckpoint().seq() + 1;
            long firstPosition = sealedPosition + 1;
            long last = store.lastPosition();
            byte[] prev = new byte[32];
            byte[] root = Arrays.copyOf(("root " + seq).getBytes(StandardCharsets.US_ASCII), 32);
            byte[] hash = Checkpoint.computeHash(seq, prev, firstPosition, last, last - firstPosition + 1, root, 1L);
            Checkpoint checkpoint = new Checkpoint(seq, prev, firstPosition, last, last - firstPosition + 1, root, 1L, hash,
                    new byte[64]);
            store.saveCheckpoint(checkpoint);
            sealedPosition = last;
            if (bus != null) {
                bus.publishCheckpoint(seq, checkpoint.toJson());
            }
        }
    }
}
