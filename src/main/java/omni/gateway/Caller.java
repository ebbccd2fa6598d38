package omni.gateway;

import io.helidon.webserver.http.ServerRequest;

/**
 * Who sent an {@code /api} request: the admin or a client token. The authentication filter puts it into the
 * request context before any API handler runs; handlers read it with {@link #of(ServerRequest)}.
 */
public final class Caller {
    static final Caller ADMIN = new Caller("admin", true);

    private final String tokenId;
    private final boolean admin;

    Caller(String tokenId, boolean admin) {
        this.tokenId = tokenId;
        this.admin = admin;
    }

    /** The authenticated caller of this request; only {@code /api} routes have one. */
    public static Caller of(ServerRequest req) {
        return req.context().get(Caller.class).orElseThrow(() -> new IllegalStateException(
                "no authenticated caller for " + req.prologue().method().text() + " " + req.path().absolute().path()
                        + ": Caller.of is only for routes under /api"));
    }

    public boolean isAdmin() {
        return admin;
    }

    /** "admin", or the id of the client token (as listed by GET /api/v1/tokens). */
    public String tokenId() {
        return tokenId;
    }

    /** Throws 403 unless the caller is the admin. */
    public void requireAdmin() {
        if (!admin) {
            throw new ApiException(403, "Admin token required", "this call needs the admin token");
        }
    }

    @Override
    public String toString() {
        return "Caller[" + tokenId + "]";
    }
}
