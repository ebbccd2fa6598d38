package omni.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Client tokens, admin only: {@code POST /tokens} creates one (the token is shown once, only its hash is kept),
 * {@code GET /tokens} lists ids, {@code DELETE /tokens/{id}} revokes.
 */
final class TokenService implements HttpService {
    private final TokenStore tokens;

    TokenService(TokenStore tokens) {
        this.tokens = tokens;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/tokens", this::create);
        rules.get("/tokens", this::list);
        rules.delete("/tokens/{id}", this::revoke);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Caller.of(req).requireAdmin();
        TokenStore.Created created;
        try {
            created = tokens.create();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the new client token", e);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", created.id());
        body.put("token", created.token());
        Json.send(res, 201, body);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller.of(req).requireAdmin();
        List<Map<String, Object>> list = new ArrayList<>();
        for (TokenStore.ClientToken c : tokens.clients()) {
            list.add(Map.of("id", c.id(), "createdMs", c.createdMs()));
        }
        Json.send(res, 200, Map.of("tokens", list));
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        Caller.of(req).requireAdmin();
        String id = req.path().pathParameters().get("id");
        boolean revoked;
        try {
            revoked = tokens.revoke(id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the revocation of client token " + id, e);
        }
        if (!revoked) {
            throw new ApiException(404, "Unknown token", "no client token with id " + id);
        }
        res.status(204).send();
    }
}
