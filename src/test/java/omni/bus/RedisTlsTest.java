package omni.bus;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import omni.config.Pem;
import omni.config.TestCertificates;
import omni.ledger.EmbeddedStore;
import omni.ledger.StoreEventSource;
import org.junit.jupiter.api.Test;

/**
 * The Redis bus over {@code rediss://}: a redis-server of the test's own that speaks only TLS, with a certificate
 * from the test's CA. With that CA as its trust the bus publishes and a consumer reads every event back; with the
 * JVM's trust store, or another CA, it does not connect and says why.
 */
class RedisTlsTest {

    @Test
    void theBusPublishesOverTlsToARedisItTrustsAndRefusesOneItDoesNot() throws Exception {
        Path dir = Files.createTempDirectory("omni-bus-tls-");
        try (TestCertificates pki = TestCertificates.create(); TestCertificates other = TestCertificates.create();
             EmbeddedStore store = new EmbeddedStore(dir)) {
            PrivateRedis redis = PrivateRedis.withTls(pki.server("EC"), pki.ca());
            try (redis) {
                redis.start();
                store.open("omni");
                StoreLedger ledger = new StoreLedger(store, 3);
                StoreEventSource source = new StoreEventSource(store);
                RedisBus bus = new RedisBus(redis.url(), Pem.trustContext("redis.tls.ca", pki.ca()), source);
                bus.start();
                assertThat(bus.state().detail(), bus.state().connected(), is(true));
                StreamConsumer consumer = new StreamConsumer(redis, RedisBus.DEFAULT_KEY_PREFIX, source,
                        new Coverage(0, 0));
                for (int i = 0; i < 5; i++) {
                    ledger.append(40, bus);
                }
                ledger.checkpoint(bus);
                assertThat(consumer.awaitAll(10_000), is(true));
                Coverage coverage = consumer.stop();
                assertThat(coverage.problems(), empty());
                assertThat(coverage.deliveredPosition(), is(5L * 40));
                assertThat(coverage.deliveredSeq(), is(1L));
                bus.close();

                // The JVM's trust store does not know the test's CA; nor does a CA that signed nothing of this server.
                for (var trust : new javax.net.ssl.SSLContext[] {null, Pem.trustContext("redis.tls.ca", other.ca())}) {
                    RedisBus untrusting = new RedisBus(redis.url(), trust, source);
                    untrusting.start();
                    BusState state = untrusting.state();
                    assertThat(state.connected(), is(false));
                    assertThat(state.detail(), containsString("Redis unreachable: TLS handshake failed: "));
                    assertThat(state.detail(), containsString("redis.tls.ca"));
                    untrusting.close();
                }
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
