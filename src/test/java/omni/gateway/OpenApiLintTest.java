package omni.gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;

/**
 * The assembled OpenAPI document is one a client generator can use: every operation has an operationId, unique
 * in the document; every operation declares its 4xx answers (at least one, and 401 where a token is required);
 * every tag an operation uses is declared with a description. A fragment added to {@link OpenApi#FRAGMENTS}
 * is held to the same rules.
 */
class OpenApiLintTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head",
            "patch", "trace");

    private record Operation(String method, String path, Map<String, Object> body) {
        @Override
        public String toString() {
            return method.toUpperCase(java.util.Locale.ROOT) + " " + path;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Operation> operations(Map<String, Object> document) {
        List<Operation> out = new ArrayList<>();
        for (Map.Entry<String, Object> path : ((Map<String, Object>) document.get("paths")).entrySet()) {
            for (Map.Entry<String, Object> op : ((Map<String, Object>) path.getValue()).entrySet()) {
                if (HTTP_METHODS.contains(op.getKey())) {
                    out.add(new Operation(op.getKey(), path.getKey(), (Map<String, Object>) op.getValue()));
                }
            }
        }
        return out;
    }

    @Test
    void everyOperationHasAUniqueOperationId() {
        List<Operation> operations = operations(OpenApi.assemble("test"));
        assertThat(operations.size(), greaterThan(0));
        Set<String> missing = new TreeSet<>();
        Map<String, Operation> byId = new HashMap<>();
        Set<String> duplicates = new TreeSet<>();
        for (Operation op : operations) {
            Object id = op.body().get("operationId");
            if (!(id instanceof String s) || s.isBlank()) {
                missing.add(op.toString());
            } else if (byId.putIfAbsent(s, op) != null) {
                duplicates.add(s + " (" + byId.get(s) + ", " + op + ")");
            }
        }
        assertThat("operations without an operationId", missing, empty());
        assertThat("operationIds used twice", duplicates, empty());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyOperationDeclaresItsClientErrors() {
        Set<String> without4xx = new TreeSet<>();
        Set<String> without401 = new TreeSet<>();
        for (Operation op : operations(OpenApi.assemble("test"))) {
            Set<String> codes = ((Map<String, Object>) op.body().getOrDefault("responses", Map.of())).keySet();
            if (codes.stream().noneMatch(c -> c.startsWith("4"))) {
                without4xx.add(op.toString());
            }
            // "security: []" marks the operations served without a token; every other one answers 401 without it.
            boolean tokenRequired = !List.of().equals(op.body().get("security"));
            if (tokenRequired && !codes.contains("401")) {
                without401.add(op.toString());
            }
        }
        assertThat("operations without any 4xx answer", without4xx, empty());
        assertThat("operations that need a token but do not declare 401", without401, empty());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyTagIsDeclaredWithADescription() {
        Map<String, Object> document = OpenApi.assemble("test");
        Set<String> declared = new TreeSet<>();
        Set<String> undescribed = new TreeSet<>();
        for (Map<String, Object> tag : (List<Map<String, Object>>) document.getOrDefault("tags", List.of())) {
            String name = (String) tag.get("name");
            declared.add(name);
            if (!(tag.get("description") instanceof String d) || d.isBlank()) {
                undescribed.add(name);
            }
        }
        Set<String> undeclared = new TreeSet<>();
        for (Operation op : operations(document)) {
            for (Object tag : (List<Object>) op.body().getOrDefault("tags", List.of())) {
                if (!declared.contains(String.valueOf(tag))) {
                    undeclared.add(tag + " (" + op + ")");
                }
            }
        }
        assertThat("tags without a description", undescribed, empty());
        assertThat("tags used by operations but not declared under tags:", undeclared, empty());
    }
}
