package omni.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The token bucket on a clock of its own: burst, refill, per-key buckets and the bound on how many are kept. */
class RateLimitTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aBurstIsAdmittedThenTheRateRefillsIt() {
        RateLimit rate = new RateLimit(10, 5);
        long t = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertEquals(0, rate.take("a", t), "request " + i + " of the burst");
        }
        long wait = rate.take("a", t);
        assertEquals(SECOND / 10, wait, "one interval until the next request");
        assertEquals(0, rate.take("b", t), "another key has its own bucket");
        assertEquals(0, rate.take("a", t + wait), "admitted once the interval has passed");
        assertTrue(rate.take("a", t + wait) > 0, "and empty again");
        for (int i = 0; i < 5; i++) {
            assertEquals(0, rate.take("a", t + 10 * SECOND), "a full burst again after a pause, request " + i);
        }
    }

    @Test
    void fullBucketsAreForgottenWhenTheMapIsFull() {
        RateLimit rate = new RateLimit(1, 1);
        long t = System.nanoTime();
        for (int i = 0; i < RateLimit.BUCKET_COUNT_MAX; i++) {
            assertEquals(0, rate.take("address " + i, t));
        }
        assertEquals(RateLimit.BUCKET_COUNT_MAX, rate.bucketCount());
        // Every bucket is still in use: a new address is refused until a purge finds room.
        assertTrue(rate.take("new", t) > 0);
        // Two seconds later every bucket is full again, so they are dropped and the new address fits.
        assertEquals(0, rate.take("new", t + 2 * SECOND));
        assertEquals(1, rate.bucketCount());
    }

    @Test
    void rateAndBurstMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimit(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RateLimit(1, 0));
    }
}
