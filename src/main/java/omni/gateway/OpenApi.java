package omni.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.openapi.OpenApiFeature;
import io.helidon.openapi.OpenApiFormat;
import io.helidon.openapi.OpenApiManager;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The OpenAPI 3 document at {@code GET /openapi}, served by Helidon's {@link OpenApiFeature} (YAML; JSON when the
 * client asks for application/json or {@code ?format=json}). It is assembled from resource files under {@code omni/openapi/}: {@code openapi.yaml} (info, security,
 * shared schemas, the gateway's own paths) plus one fragment per component listed in {@link #FRAGMENTS}. A
 * fragment has top-level {@code paths:} and optionally {@code tags:} (each with a description) and
 * {@code components: schemas:}; paths are full
 * ({@code /api/v1/accounts/{id}}). OpenApiSyncTest fails when the document and the registered routes differ;
 * OpenApiLintTest when an operation lacks an operationId or its 4xx answers, or a tag lacks a description.
 *
 * <p>Helidon's feature reads one static file; OMNI's document is assembled from fragments instead, so this class
 * is the feature's {@link OpenApiManager}: it ignores the (absent) static file and hands the feature the merged
 * document, printed once per format.
 */
public final class OpenApi implements OpenApiManager<Map<String, Object>> {
    static final String PATH = "/openapi";
    static final String RESOURCE_DIR = "/omni/openapi/";
    /** Fragment files merged into the document; add yours here (one line) with a file of that name. */
    static final List<String> FRAGMENTS = List.of(
            "transactions.yaml",
            "proof.yaml",
            "events.yaml",
            "cluster.yaml");

    // Long enough that descriptions stay on one line, short enough to read in a terminal.
    private static final int YAML_LINE_WIDTH = 120;
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head",
            "patch", "trace");

    private final String version;
    private final ReentrantLock lock = new ReentrantLock();
    // Built on first use: parsing and printing YAML costs about a second of start-up CPU that no start needs.
    private Rendered rendered;

    private record Rendered(Map<String, Object> document, String yaml, String json) {
    }

    private OpenApi(String version) {
        this.version = version;
    }

    /** The document of this build; files are read and merged on first use. */
    public static OpenApi forVersion(String version) {
        return new OpenApi(version);
    }

    private Rendered rendered() {
        lock.lock();
        try {
            if (rendered == null) {
                Map<String, Object> document = assemble(version);
                DumperOptions options = new DumperOptions();
                options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
                options.setWidth(YAML_LINE_WIDTH);
                String yaml = new Yaml(options).dump(document);
                rendered = new Rendered(document, yaml, new String(Json.bytes(document), StandardCharsets.UTF_8));
            }
            return rendered;
        } finally {
            lock.unlock();
        }
    }

    /** Helidon's OpenAPI feature serving this document at {@code /openapi}. */
    OpenApiFeature feature() {
        return OpenApiFeature.builder()
                .webContext(PATH)
                .servicesDiscoverServices(false)
                .managerDiscoverServices(false)
                .manager(this)
                .build();
    }

    @Override
    public String name() {
        return "omni";
    }

    @Override
    public String type() {
        return "omni-fragments";
    }

    /** The feature passes its static file's content, empty here: the document comes from the fragments. */
    @Override
    public Map<String, Object> load(String staticContent) {
        return rendered().document();
    }

    @Override
    public String format(Map<String, Object> document, OpenApiFormat format) {
        Rendered r = rendered();
        return format == OpenApiFormat.JSON ? r.json() : r.yaml();
    }

    /** Loads and merges the files; fails if one is missing or two files define the same path and method. */
    static Map<String, Object> assemble(String version) {
        Map<String, Object> root = read("openapi.yaml");
        Map<String, Object> info = map(root, "info");
        info.put("version", version);
        for (String fragment : FRAGMENTS) {
            merge(root, read(fragment), fragment);
        }
        return root;
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> root, Map<String, Object> fragment, String name) {
        Map<String, Object> paths = map(root, "paths");
        Map<String, Object> fragmentPaths = (Map<String, Object>) fragment.getOrDefault("paths", Map.of());
        for (Map.Entry<String, Object> e : fragmentPaths.entrySet()) {
            Map<String, Object> existing = (Map<String, Object>) paths.computeIfAbsent(e.getKey(),
                    k -> new LinkedHashMap<>());
            for (Map.Entry<String, Object> op : ((Map<String, Object>) e.getValue()).entrySet()) {
                if (existing.putIfAbsent(op.getKey(), op.getValue()) != null) {
                    throw new IllegalStateException("OpenAPI fragment " + name + " defines " + op.getKey() + " "
                            + e.getKey() + " again");
                }
            }
        }
        List<Map<String, Object>> tags = (List<Map<String, Object>>) root.computeIfAbsent("tags",
                k -> new ArrayList<>());
        for (Map<String, Object> tag : (List<Map<String, Object>>) fragment.getOrDefault("tags", List.of())) {
            if (tags.stream().anyMatch(t -> t.get("name").equals(tag.get("name")))) {
                throw new IllegalStateException("OpenAPI fragment " + name + " declares tag " + tag.get("name")
                        + " again");
            }
            tags.add(tag);
        }
        Map<String, Object> components = (Map<String, Object>) fragment.getOrDefault("components", Map.of());
        for (Map.Entry<String, Object> section : components.entrySet()) {
            Map<String, Object> target = map(map(root, "components"), section.getKey());
            for (Map.Entry<String, Object> item : ((Map<String, Object>) section.getValue()).entrySet()) {
                if (target.putIfAbsent(item.getKey(), item.getValue()) != null) {
                    throw new IllegalStateException("OpenAPI fragment " + name + " defines components."
                            + section.getKey() + "." + item.getKey() + " again");
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<>());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(String file) {
        try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) {
                throw new IllegalStateException("OpenAPI resource " + RESOURCE_DIR + file + " is missing");
            }
            return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read OpenAPI resource " + RESOURCE_DIR + file, e);
        }
    }

    /** Every (method, path) the document describes, as routes. */
    @SuppressWarnings("unchecked")
    public Set<Route> routes() {
        Set<Route> routes = new TreeSet<>();
        Map<String, Object> paths = (Map<String, Object>) rendered().document().getOrDefault("paths", Map.of());
        for (Map.Entry<String, Object> e : paths.entrySet()) {
            for (String key : ((Map<String, Object>) e.getValue()).keySet()) {
                if (HTTP_METHODS.contains(key)) {
                    routes.add(new Route(key.toUpperCase(Locale.ROOT), e.getKey()));
                }
            }
        }
        return routes;
    }
}
