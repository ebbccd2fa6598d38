package omni.gateway;

import io.helidon.webserver.http.HttpRouting;
import omni.cluster.HazelcastPartitioning;
import omni.ledger.EmbeddedStore;
import omni.ledger.Engine;
import omni.ledger.Ledger;
import omni.proof.MemoryCheckpointStore;
import omni.proof.NodeKey;
import omni.proof.TransferLookup;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The proof fragment of the OpenAPI document (omni/openapi/proof.yaml) describes exactly the routes that
 * CheckpointService and ProofService register. (OpenApiSyncTest checks the whole document once the
 * integrator lists the fragment in OpenApi.FRAGMENTS and mounts the services.)
 */
class ProofOpenApiTest {
    @Test
    @SuppressWarnings("unchecked")
    void fragmentMatchesTheRegisteredRoutes() throws Exception {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        TransferLookup none = new TransferLookup() {
            @Override
            public long positionOf(byte[] id) {
                return -1;
            }

            @Override
            public omni.proof.Transfer transferAt(long position) {
                return null;
            }
        };
        Path dir = Files.createTempDirectory("omni-proof-openapi");
        EmbeddedStore unused = new EmbeddedStore(dir);
        Ledger ledger = TestLedgers.of(new Engine(unused, "omni", HazelcastPartitioning::partitionOf), unused, store,
                none, NodeKey.loadOrCreate(dir));
        List<Route> recorded = new ArrayList<>();
        HttpRouting.Builder routing = HttpRouting.builder();
        RouteRecorder.register(routing, Gateway.API_PREFIX, recorded, List.of(new CheckpointService(ledger),
                new ProofService(ledger)));
        routing.build();
        Set<Route> registered = new TreeSet<>();
        for (Route r : recorded) {
            registered.add(new Route(r.method(), r.openApiPath()));
        }
        Map<String, Object> fragment;
        try (InputStream in = OpenApi.class.getResourceAsStream(OpenApi.RESOURCE_DIR + "proof.yaml")) {
            fragment = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        }
        Set<Route> documented = new TreeSet<>();
        for (Map.Entry<String, Object> path : ((Map<String, Object>) fragment.get("paths")).entrySet()) {
            for (String method : ((Map<String, Object>) path.getValue()).keySet()) {
                documented.add(new Route(method.toUpperCase(Locale.ROOT), path.getKey()));
            }
        }
        assertEquals(documented, registered);
    }
}
