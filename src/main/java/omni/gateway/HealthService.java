package omni.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /health/live}: 200 while the process serves HTTP. {@code /health/ready}: 200 only while every readiness
 * check passes and the node is not shutting down, else 503 with each failing check's reason.
 */
final class HealthService implements HttpService {
    private final Map<String, ReadinessCheck> checks;
    private final BooleanSupplier draining;

    HealthService(Map<String, ReadinessCheck> checks, BooleanSupplier draining) {
        this.checks = Map.copyOf(checks);
        this.draining = draining;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/live", this::live);
        rules.get("/ready", this::ready);
    }

    private void live(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, Map.of("status", "UP"));
    }

    private void ready(ServerRequest req, ServerResponse res) {
        List<Map<String, Object>> results = new ArrayList<>();
        boolean ready = true;
        if (draining.getAsBoolean()) {
            ready = false;
            results.add(result("shutdown", false, "the node is shutting down"));
        }
        for (Map.Entry<String, ReadinessCheck> e : new java.util.TreeMap<>(checks).entrySet()) {
            ReadinessCheck.Readiness r;
            try {
                r = e.getValue().check();
            } catch (RuntimeException failure) {
                r = ReadinessCheck.Readiness.notReady("check failed: " + failure);
            }
            ready &= r.ready();
            results.add(result(e.getKey(), r.ready(), r.reason()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "UP" : "DOWN");
        body.put("checks", results);
        Json.send(res, ready ? 200 : 503, body);
    }

    private static Map<String, Object> result(String name, boolean ready, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("status", ready ? "UP" : "DOWN");
        if (!ready) {
            m.put("reason", reason);
        }
        return m;
    }
}
