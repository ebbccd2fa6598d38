package omni.ledger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a node component is (storage, bus, cluster), for {@code GET /api/v1/node}, the start-up line and the
 * console: {@code kind} ("postgresql", "embedded", "redis", "in-process", "hazelcast", ...), {@code target}
 * (where it points, never a password), whether it is fit for production, a one-line description, and
 * component-specific live state ({@code details}, e.g. connected/backlog for the bus).
 */
public record ComponentInfo(String kind, String target, boolean production, String description,
                            Map<String, Object> details) {
    public ComponentInfo {
        details = Map.copyOf(details);
    }

    public ComponentInfo(String kind, String target, boolean production, String description) {
        this(kind, target, production, description, Map.of());
    }

    /** The JSON object of {@code GET /api/v1/node}: the four fields, then the details. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", kind);
        json.put("target", target);
        json.put("production", production);
        json.put("description", description);
        json.putAll(details);
        return json;
    }
}
