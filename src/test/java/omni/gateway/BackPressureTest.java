package omni.gateway;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import omni.config.Setting;
import omni.config.Settings;
import omni.kernel.Kernel;
import omni.ledger.BatchSlot;
import omni.ledger.EmbeddedStore;
import omni.ledger.Engine;

/**
 * Back-pressure has one place: the batch-slot pool. With every slot held, a write waits at most
 * {@link Engine#ACQUIRE_WAIT_MS} and answers 503 with Retry-After, and writes succeed again once a slot is free.
 */
class BackPressureTest {
    private static final String ADMIN = "d".repeat(64);

    @Test
    void aWriteFindingEverySlotBusyAnswers503WithRetryAfter() throws Exception {
        Path dataDir = Files.createTempDirectory("omni-backpressure");
        try (EmbeddedStore store = new EmbeddedStore(dataDir)) {
            Engine engine = new Engine(store, "omni", account -> (int) (account % Kernel.PARTITION_COUNT));
            engine.start();
            assertTrue(engine.awaitReady(60_000), engine.notReadyReason());
            Settings settings = Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                    Setting.DATA_DIR, dataDir.toString(), Setting.ADMIN_TOKEN, ADMIN));
            Gateway gateway = LedgerApi.mount(Gateway.builder(settings), TestLedgers.of(engine, store, dataDir)).build().start();
            try {
                List<BatchSlot> held = new ArrayList<>();
                for (int i = 0; i < Engine.BATCH_POOL_SIZE; i++) {
                    held.add(engine.acquire());
                    assertNotNull(held.get(i), "slot " + i);
                }
                assertNull(engine.acquire(), "no slot beyond the pool");
                HttpResponse<String> busy = post(gateway);
                assertEquals(503, busy.statusCode(), busy.body());
                assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));
                assertThat(busy.body(), containsString("batch slots are busy"));
                held.forEach(engine::release);
                HttpResponse<String> free = post(gateway);
                assertEquals(200, free.statusCode(), free.body());
            } finally {
                gateway.stop();
                engine.close();
            }
        }
    }

    private static HttpResponse<String> post(Gateway gateway) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + "/api/v1/transactions"))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[]")).build(), HttpResponse.BodyHandlers.ofString());
    }
}
