package omni.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import omni.cli.ServeCommand;
import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;

/**
 * Starts a node exactly as {@code omni serve} composes it and compares every route its gateway registered with
 * the paths and methods of the OpenAPI document. A new route without documentation (or documentation of a route
 * that is gone) fails here; add it to the fragment of your component under src/main/resources/omni/openapi/.
 */
class OpenApiSyncTest {

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws Exception {
        Path dataDir = Files.createTempDirectory("omni-openapi-test");
        Settings settings = Settings.of(Map.of(Setting.DATA_DIR, dataDir.toString(), Setting.HTTP_PORT, "0",
                Setting.HTTP_HOST, "127.0.0.1"));
        Shutdown shutdown = new Shutdown();
        ServeCommand.Node node = ServeCommand.start(settings, shutdown);
        try {
            Set<Route> registered = new TreeSet<>();
            for (Route r : node.gateway().routes()) {
                registered.add(new Route(r.method(), r.openApiPath()));
            }
            Set<Route> documented = node.gateway().openApi().routes();
            assertThat(registered, hasItem(new Route("GET", "/api/v1/node")));

            Set<Route> undocumented = new TreeSet<>(registered);
            undocumented.removeAll(documented);
            Set<Route> missing = new TreeSet<>(documented);
            missing.removeAll(registered);
            assertThat("routes missing from the OpenAPI document", undocumented, empty());
            assertThat("documented routes that are not registered", missing, empty());
        } finally {
            shutdown.run();
        }
    }

    @Test
    void everyReferenceResolves() throws Exception {
        com.fasterxml.jackson.databind.JsonNode doc = Json.MAPPER.readTree(Json.bytes(OpenApi.assemble("test")));
        Set<String> unresolved = new TreeSet<>();
        collectUnresolved(doc, doc, unresolved);
        assertThat("$ref targets missing from the OpenAPI document", unresolved, empty());
    }

    private static void collectUnresolved(com.fasterxml.jackson.databind.JsonNode root,
                                          com.fasterxml.jackson.databind.JsonNode node, Set<String> out) {
        if (node.isObject() && node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/") || root.at(ref.substring(1)).isMissingNode()) {
                out.add(ref);
            }
        }
        node.forEach(child -> collectUnresolved(root, child, out));
    }
}
