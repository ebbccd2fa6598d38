package omni.gateway;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import omni.bus.Coverage;
import omni.bus.InProcessBus;
import omni.bus.MemoryEventSource;
import omni.config.Setting;
import omni.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EventServiceTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private InProcessBus bus;
    private EventService service;
    private Gateway gateway;
    private Path dataDir;
    private String token;

    /** The service behind the real gateway: bearer authentication, the problem mapper, the concurrency limit. */
    private void serve(EventService eventService) throws Exception {
        service = eventService;
        dataDir = Files.createTempDirectory("omni-events-test");
        Settings settings = Settings.of(Map.of(Setting.DATA_DIR, dataDir.toString(), Setting.HTTP_PORT, "0",
                Setting.HTTP_HOST, "127.0.0.1"));
        gateway = Gateway.builder(settings).api(service).build().start();
        token = Http.adminToken(dataDir);
    }

    @AfterEach
    void stop() throws IOException {
        if (service != null) {
            service.close();
        }
        if (gateway != null) {
            gateway.stop();
        }
        if (bus != null) {
            bus.close();
        }
        if (dataDir != null) {
            try (var paths = Files.walk(dataDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void resumeWithLastEventIdLosesNothing() throws Exception {
        MemoryEventSource source = MemoryEventSource.withPrintedSeed();
        try (InProcessBus before = new InProcessBus()) {
            source.commitAndPublish(before, 100); // history: the first client replays it from the ledger
            source.checkpointAndPublish(before);
        }
        bus = new InProcessBus();
        serve(new EventService(bus, source, EventService.CLIENTS_MAX, 200)); // heartbeats let the reader re-check the end
        Random random = source.testRandom();
        Thread load = Thread.ofPlatform().start(() -> {
            for (int batch = 1; batch <= 400; batch++) {
                source.commitAndPublish(bus, 1 + random.nextInt(50));
                if (batch % 50 == 0) {
                    source.checkpointAndPublish(bus);
                }
                sleep(2);
            }
        });
        Coverage coverage = new Coverage();
        String lastId;
        try (SseClient first = connect("0:0")) {
            lastId = read(first, coverage, source, 40, null);
        }
        System.out.println("first client stopped at " + lastId);
        Thread.sleep(200); // events published while no client listens
        try (SseClient second = connect(lastId)) {
            read(second, coverage, source, Integer.MAX_VALUE, load);
        }
        assertThat(coverage.problems(), empty());
        assertThat(coverage.deliveredPosition(), is(source.lastPosition()));
        assertThat(coverage.deliveredSeq(), is(source.latestCheckpointSeq()));
    }

    @Test
    void aClientThatStopsReadingIsCaughtUpFromTheLedgerAndNeverSlowsThePublisher() throws Exception {
        MemoryEventSource source = MemoryEventSource.withPrintedSeed();
        bus = new InProcessBus();
        serve(new EventService(bus, source, EventService.CLIENTS_MAX, 200));
        Coverage coverage = new Coverage();
        try (SseClient client = connect("0:0")) {
            assertThat(client.next().name(), is("bus.state"));
            long startNs = System.nanoTime();
            for (int i = 0; i < 3_000; i++) {  // ~20 MB of JSON: far beyond socket buffers and the 256-event queue
                source.commitAndPublish(bus, 100);
            }
            long publishMs = (System.nanoTime() - startNs) / 1_000_000;
            System.out.println("published 3,000 events to a client that did not read in " + publishMs + " ms, slowest "
                    + source.slowestPublishNs() / 1_000 + " us");
            assertThat("slowest publish (ms)", source.slowestPublishNs() / 1_000_000 < 1_000, is(true));
            read(client, coverage, source, Integer.MAX_VALUE, finished());
        }
        assertThat(coverage.problems(), empty());
        assertThat(coverage.deliveredPosition(), is(source.lastPosition()));
        System.out.println(coverage.commitEventCount() + " commit events delivered for 3,000 published");
        assertThat("some came from the ledger in 1,000-position chunks", coverage.commitEventCount() < 3_000, is(true));
    }

    /** A load thread that has already ended: read() then stops once the client caught up with the source. */
    private static Thread finished() throws InterruptedException {
        Thread done = Thread.ofVirtual().start(() -> { });
        done.join();
        return done;
    }

    @Test
    void withoutLastEventIdStartsLiveAndBadCursorsAre400() throws Exception {
        MemoryEventSource source = new MemoryEventSource(7);
        bus = new InProcessBus();
        source.commitAndPublish(bus, 5);
        serve(new EventService(bus, source));
        try (SseClient client = connect(null)) {
            SseClient.Event state = client.next();
            assertThat(state.name(), is("bus.state"));
            assertThat(state.id(), is("5:0"));
            assertThat(state.data(), containsString("\"kind\":\"in-process\""));
            source.commitAndPublish(bus, 2);
            SseClient.Event commit = client.next();
            assertThat(commit.name(), is("transaction.commit"));
            assertThat(commit.id(), is("7:0"));
            assertThat(commit.data(), containsString("{\"firstPosition\":6,\"lastPosition\":7,\"count\":2,"));
        }
        for (String bad : new String[] {"abc", "8:0", "1:1", "-1:0"}) {
            HttpResponse<String> response = http.send(request(bad).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(bad, response.statusCode(), is(400));
            assertThat(response.headers().firstValue("Content-Type").orElse(""), is("application/problem+json"));
        }
        source.unreachable(true);
        HttpResponse<String> unavailable = http.send(request(null).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unavailable.statusCode(), is(503));
        assertThat(unavailable.body(), containsString("Ledger unavailable"));
        source.unreachable(false);
    }

    @Test
    void clientsAreBoundedAndIdleOnesGetHeartbeats() throws Exception {
        MemoryEventSource source = new MemoryEventSource(8);
        bus = new InProcessBus();
        serve(new EventService(bus, source, 1, 200));
        try (SseClient client = connect(null)) {
            assertThat(client.next().name(), is("bus.state"));
            assertThat(client.nextLine(), is(":heartbeat"));
            HttpResponse<String> refused = http.send(request(null).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode(), is(503));
            assertThat(refused.headers().firstValue("Retry-After").orElse(""), is("5"));
        }
        // The server notices the closed client on its next heartbeat and frees the slot.
        long deadline = System.currentTimeMillis() + 5_000;
        int status = 0;
        while (status != 200 && System.currentTimeMillis() < deadline) {
            HttpResponse<InputStream> response = http.send(request(null).build(), HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            response.body().close();
            Thread.sleep(50);
        }
        assertThat(status, is(200));
    }

    @Test
    void closingTheServiceEndsStreamsAndTurnsNewClientsAway() throws Exception {
        MemoryEventSource source = new MemoryEventSource(9);
        bus = new InProcessBus();
        serve(new EventService(bus, source));
        try (SseClient client = connect(null)) {
            assertThat(client.next().name(), is("bus.state"));
            long startNs = System.nanoTime();
            service.close();
            assertThat(client.reader.readLine(), is((String) null));
            assertThat("stream ended at once (ms)", (System.nanoTime() - startNs) / 1_000_000 < 2_000, is(true));
        }
        HttpResponse<String> refused = http.send(request(null).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode(), is(503));
        assertThat(refused.body(), containsString("Node stopping"));
    }

    /**
     * Reads until {@code commitEventCount} commit events arrived or, with {@code load} given, until the load ended
     * and everything the source holds arrived; returns the last event id.
     */
    private static String read(SseClient client, Coverage coverage, MemoryEventSource source, int commitEventCount,
                               Thread load) throws IOException {
        String lastId = null;
        for (int commits = 0; commits < commitEventCount; ) {
            if (load != null && !load.isAlive() && coverage.deliveredPosition() == source.lastPosition()
                    && coverage.deliveredSeq() == source.latestCheckpointSeq()) {
                break;
            }
            SseClient.Event event = client.next();
            switch (event.name()) {
                case "transaction.commit" -> {
                    coverage.commit(event.data(), source);
                    commits++;
                }
                case "checkpoint.created" -> coverage.checkpoint(event.data(), source);
                case ":heartbeat" -> {
                    continue;
                }
                default -> {
                }
            }
            String cursor = coverage.deliveredPosition() + ":" + coverage.deliveredSeq();
            if (!event.name().equals("bus.state") && !event.id().equals(cursor)) {
                coverage.problems().add("event id " + event.id() + " but delivered " + cursor);
            }
            lastId = event.id();
        }
        return lastId;
    }

    private HttpRequest.Builder request(String lastEventId) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api/v1/events"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20));
        return lastEventId == null ? builder : builder.header("Last-Event-ID", lastEventId);
    }

    private SseClient connect(String lastEventId) throws Exception {
        HttpResponse<InputStream> response = http.send(request(lastEventId).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode(), is(200));
        assertThat(response.headers().firstValue("Content-Type").orElse(""), containsString("text/event-stream"));
        return new SseClient(response.body());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A minimal text/event-stream reader. */
    private static final class SseClient implements AutoCloseable {
        record Event(String id, String name, String data) {
        }

        private final BufferedReader reader;

        SseClient(InputStream in) {
            this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        }

        String nextLine() throws IOException {
            String line = reader.readLine();
            if (line == null) {
                throw new IOException("event stream ended");
            }
            return line;
        }

        /** The next event, or a heartbeat (a comment line) as an event named ":heartbeat" without data. */
        Event next() throws IOException {
            String id = null;
            String name = null;
            StringBuilder data = null;
            for (String line = nextLine(); !line.isEmpty() || data == null; line = nextLine()) {
                if (line.startsWith(":") && data == null) {
                    return new Event(null, line, null);
                }
                if (line.startsWith("id:")) {
                    id = field(line, 3);
                } else if (line.startsWith("event:")) {
                    name = field(line, 6);
                } else if (line.startsWith("data:")) {
                    data = (data == null ? new StringBuilder() : data.append('\n')).append(field(line, 5));
                }
            }
            return new Event(id, name, data.toString());
        }

        private static String field(String line, int at) {
            return line.startsWith(" ", at) ? line.substring(at + 1) : line.substring(at);
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
