package omni.gateway;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** An API service as another component would write one, for exercising the gateway's infrastructure. */
final class TestApiService implements HttpService {
    final CountDownLatch slowEntered;
    final CountDownLatch slowRelease = new CountDownLatch(1);
    /** Bodies /test/commit read to their end: what a write route would have committed. */
    final AtomicInteger commits = new AtomicInteger();

    /** @param slowRequests how many /test/slow requests the test will wait for with {@link #slowEntered} */
    TestApiService(int slowRequests) {
        this.slowEntered = new CountDownLatch(slowRequests);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/test/echo", this::echo);
        rules.post("/test/commit", (req, res) -> {
            byte[] body = req.content().as(byte[].class);
            commits.incrementAndGet();
            Json.send(res, 200, Map.of("bytes", body.length));
        });
        rules.get("/test/boom", this::boom);
        rules.get("/test/whoami", this::whoami);
        rules.get("/test/slow", this::slow);
        rules.get("/test/busy", (req, res) -> {
            throw new ApiException(503, "Storage unavailable", "storage is down", 2);
        });
    }

    private void echo(ServerRequest req, ServerResponse res) {
        JsonNode body = req.content().as(JsonNode.class);
        Json.send(res, 200, body);
    }

    private void boom(ServerRequest req, ServerResponse res) {
        throw new IllegalStateException("internal detail that must not leak");
    }

    private void whoami(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req);
        Json.send(res, 200, Map.of("admin", caller.isAdmin(), "tokenId", caller.tokenId()));
    }

    private void slow(ServerRequest req, ServerResponse res) throws InterruptedException {
        slowEntered.countDown();
        if (!slowRelease.await(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("slow request was never released");
        }
        Json.send(res, 200, Map.of("slow", "done"));
    }
}
