package omni.gateway;

import omni.ledger.ComponentInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /api/v1/node}: identity, version, ledger and what storage, bus and cluster this node uses. */
final class NodeService implements HttpService {
    private final Map<String, Supplier<Object>> fields;
    private final Map<String, Supplier<ComponentInfo>> components;

    NodeService(Map<String, Supplier<Object>> fields, Map<String, Supplier<ComponentInfo>> components) {
        this.fields = fields;
        this.components = components;
    }

    private volatile WebServer server;

    @Override
    public void afterStart(WebServer server) {
        this.server = server;
    }

    /** The bound port, once the server has started; -1 before. */
    int port() {
        WebServer s = server;
        return s == null ? -1 : s.port();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/node", this::node);
    }

    private void node(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, describe());
    }

    ComponentInfo component(String role) {
        Supplier<ComponentInfo> info = components.get(role);
        if (info == null) {
            throw new IllegalArgumentException("no component " + role + "; known: " + components.keySet());
        }
        return info.get();
    }

    Map<String, Object> describe() {
        Map<String, Object> body = new LinkedHashMap<>();
        fields.forEach((name, value) -> body.put(name, value.get()));
        components.forEach((role, info) -> body.put(role, info.get().toJson()));
        return body;
    }
}
