package omni.gateway;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import omni.config.Setting;
import omni.config.Settings;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/** Stopping the gateway turns readiness 503 at once and lets in-flight requests finish. */
class GracefulStopTest {

    @Test
    void stopDrainsInFlightRequests() throws Exception {
        Path dataDir = Files.createTempDirectory("omni-stop-test");
        TestApiService api = new TestApiService(1);
        Settings settings = Settings.of(Map.of(Setting.DATA_DIR, dataDir.toString(), Setting.HTTP_PORT, "0",
                Setting.HTTP_HOST, "127.0.0.1"));
        Gateway gateway = Gateway.builder(settings).api(api).build().start();
        URI base = URI.create("http://127.0.0.1:" + gateway.port());
        String admin = Http.adminToken(dataDir);
        assertThat(Http.get(base, "/health/ready", null).statusCode(), is(200));

        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return Http.get(base, "/api/v1/test/slow", admin);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(api.slowEntered.await(10, TimeUnit.SECONDS), is(true));

        long started = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(gateway::stop);
        while (!gateway.draining()) {
            Thread.onSpinWait();
        }
        HttpResponse<String> ready = Http.get(base, "/health/ready", null);
        assertThat(ready.statusCode(), is(503));
        assertThat(Http.json(ready).get("checks").get(0).get("reason").asText(), is("the node is shutting down"));
        assertThat("stop waits for the in-flight request", stopped.isDone(), is(false));

        api.slowRelease.countDown();
        assertThat(inFlight.get(10, TimeUnit.SECONDS).statusCode(), is(200));
        stopped.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), lessThan(Gateway.DRAIN_TIMEOUT.toMillis()));
    }
}
