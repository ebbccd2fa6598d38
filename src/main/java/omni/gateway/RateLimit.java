package omni.gateway;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * A token bucket per bearer token, and per client address for requests without a valid token (console pages, and
 * attempts with a wrong token, which {@link AuthFilter} charges here before answering 401): {@code http.rate.burst}
 * requests at once, refilled at {@code http.rate.per.second}. An empty bucket answers 429 with Retry-After, the
 * whole seconds until it holds one request again. Health and metrics are exempt, like the concurrency bound, and
 * so are the cluster members' internal routes: their requests were admitted at the member the client called.
 *
 * <p>Each bucket is one long, its "theoretical arrival time" (the generic cell rate algorithm): a request at time t
 * is admitted if the bucket's time is at most {@code burst - 1} intervals ahead of t, and moves it one interval on.
 * A bucket whose time has passed is full, so it can be forgotten: that is how the map stays within its bound.
 */
final class RateLimit implements Filter {
    /**
     * Buckets kept at once: the 10,000 client tokens a node can have plus 90,000 client addresses active within one
     * burst's refill time. When full, refilled buckets are dropped (at most once a {@link #PURGE_INTERVAL_MS}), and a
     * new address that still finds no room is refused until then.
     */
    static final int BUCKET_COUNT_MAX = 100_000;
    static final long PURGE_INTERVAL_MS = 1_000;

    private final int ratePerSecond;
    private final int burst;
    private final long intervalNanos;
    private final long toleranceNanos;
    private final ConcurrentHashMap<String, AtomicLong> buckets = new ConcurrentHashMap<>();
    private final AtomicLong lastPurgeNanos = new AtomicLong(System.nanoTime());

    RateLimit(int ratePerSecond, int burst) {
        if (ratePerSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException("rate and burst must be positive, were " + ratePerSecond + ", " + burst);
        }
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        this.toleranceNanos = intervalNanos * (burst - 1L);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // Members' internal calls carry what an entry member already admitted under the caller's own rate.
        String path = req.path().path();
        if (!ConcurrencyLimit.exempt(path) && !path.startsWith(InternalService.PATH + "/")) {
            String key = req.context().get(Caller.class)
                    .map(caller -> "token " + caller.tokenId())
                    .orElseGet(() -> addressKey(req.remotePeer().address()));
            admit(key);
        }
        chain.proceed();
    }

    /** Throws 429 unless the client address of this request may send one more. */
    void admitAddress(RoutingRequest req) {
        admit(addressKey(req.remotePeer().address()));
    }

    private void admit(String key) {
        long waitNanos = take(key, System.nanoTime());
        if (waitNanos > 0) {
            int seconds = (int) Math.max(1, (waitNanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
            throw new ApiException(429, "Too many requests", "more than " + burst + " requests at once or "
                    + ratePerSecond + " a second (http.rate.burst, http.rate.per.second) from " + key
                    + "; retry in " + seconds + " s", seconds);
        }
    }

    /** Takes one request from the key's bucket: 0 when admitted, else the nanoseconds until it would be. */
    long take(String key, long nowNanos) {
        AtomicLong bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= BUCKET_COUNT_MAX && !purge(nowNanos)) {
                return TimeUnit.MILLISECONDS.toNanos(PURGE_INTERVAL_MS);
            }
            bucket = buckets.computeIfAbsent(key, k -> new AtomicLong(nowNanos));
        }
        while (true) {
            long arrival = bucket.get();
            long start = arrival - nowNanos > 0 ? arrival : nowNanos;
            long ahead = start - nowNanos;
            if (ahead > toleranceNanos) {
                return ahead - toleranceNanos;
            }
            if (bucket.compareAndSet(arrival, start + intervalNanos)) {
                return 0;
            }
        }
    }

    /** Drops full buckets if the last purge is old enough; true if there is room for a new one. */
    private boolean purge(long nowNanos) {
        long last = lastPurgeNanos.get();
        if (nowNanos - last >= TimeUnit.MILLISECONDS.toNanos(PURGE_INTERVAL_MS)
                && lastPurgeNanos.compareAndSet(last, nowNanos)) {
            buckets.values().removeIf(bucket -> bucket.get() - nowNanos <= 0);
        }
        return buckets.size() < BUCKET_COUNT_MAX;
    }

    int bucketCount() {
        return buckets.size();
    }

    private static String addressKey(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return "address " + inet.getAddress().getHostAddress();
        }
        return "address " + address;
    }
}
