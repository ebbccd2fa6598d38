package omni.gateway;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import omni.config.Setting;
import omni.config.Settings;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** Beyond http.requests.concurrent.max requests in flight the answer is 503 + Retry-After; health stays exempt. */
@ServerTest
class ConcurrencyLimitTest {
    private static final int REQUESTS_MAX = 2;
    private static Path dataDir;
    private static TestApiService api;

    private final URI base;

    ConcurrencyLimitTest(URI base) {
        this.base = base;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) throws Exception {
        dataDir = Files.createTempDirectory("omni-limit-test");
        api = new TestApiService(2);
        Settings settings = Settings.of(Map.of(Setting.DATA_DIR, dataDir.toString(),
                Setting.HTTP_REQUESTS_CONCURRENT_MAX, Integer.toString(REQUESTS_MAX)));
        Gateway.builder(settings).api(api).build().configure(server);
    }

    @Test
    void requestsBeyondTheLimitGet503WithRetryAfter() throws Exception {
        String admin = Http.adminToken(dataDir);
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> slow(admin));
        CompletableFuture<HttpResponse<String>> second = CompletableFuture.supplyAsync(() -> slow(admin));
        assertThat("both slow requests entered", api.slowEntered.await(10, TimeUnit.SECONDS), is(true));

        HttpResponse<String> third = Http.get(base, "/api/v1/test/whoami", admin);
        assertThat(third.body(), third.statusCode(), is(503));
        assertThat(third.headers().firstValue("Retry-After").orElse(""), is("1"));
        assertThat(third.headers().firstValue("Content-Type").orElse(""), is("application/problem+json"));
        assertThat(Http.get(base, "/health/ready", null).statusCode(), is(200));

        api.slowRelease.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode(), is(200));
        assertThat(second.get(10, TimeUnit.SECONDS).statusCode(), is(200));
        assertThat(Http.get(base, "/api/v1/test/whoami", admin).statusCode(), is(200));
    }

    private HttpResponse<String> slow(String admin) {
        try {
            return Http.get(base, "/api/v1/test/slow", admin);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
