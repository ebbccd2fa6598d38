package omni.gateway;

import java.util.concurrent.Semaphore;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Bounds the requests served at once (each holds a virtual thread and, for writes, a batch from a bounded pool).
 * Beyond the bound the answer is 503 with Retry-After at once; nothing queues. Health and metrics are exempt so
 * that probes and scrapes still see a saturated node. The permits also tell shutdown when in-flight requests
 * have finished.
 */
final class ConcurrencyLimit implements Filter {
    static final int RETRY_AFTER_SECONDS = 1;

    private final int requestsMax;
    private final Semaphore permits;

    ConcurrencyLimit(int requestsMax) {
        this.requestsMax = requestsMax;
        this.permits = new Semaphore(requestsMax);
    }

    static boolean exempt(String path) {
        return path.startsWith("/health/") || path.equals("/metrics");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (exempt(req.path().path())) {
            chain.proceed();
            return;
        }
        if (!permits.tryAcquire()) {
            throw new ApiException(503, "Too many requests in flight", "the node is serving " + requestsMax
                    + " requests, its limit (http.requests.concurrent.max); retry shortly", RETRY_AFTER_SECONDS);
        }
        try {
            chain.proceed();
        } finally {
            permits.release();
        }
    }

    int inFlight() {
        return requestsMax - permits.availablePermits();
    }
}
