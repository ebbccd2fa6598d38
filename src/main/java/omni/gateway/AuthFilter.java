package omni.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Authenticates every request under {@code /api}: a missing or unknown bearer token is answered 401 (with
 * {@code WWW-Authenticate: Bearer}) before any route runs, so an unauthenticated client learns nothing about which
 * routes exist. Failed attempts count against the client address's rate ({@link RateLimit}). The {@link Caller} goes into the request context for {@link Caller#of}.
 */
final class AuthFilter implements Filter {
    private static final String BEARER = "Bearer ";

    private final TokenStore tokens;
    private final RateLimit rate;

    /** {@code rate} is charged per client address for each request without a valid token, so guessing is bounded. */
    AuthFilter(TokenStore tokens, RateLimit rate) {
        this.tokens = tokens;
        this.rate = rate;
    }

    static boolean isApi(String path) {
        return path.equals("/api") || path.startsWith("/api/");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!isApi(req.path().path())) {
            chain.proceed();
            return;
        }
        String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (header.isEmpty()) {
            rate.admitAddress(req);
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            throw new ApiException(401, "Token required",
                    "send the header Authorization: Bearer <token> (admin token or a client token)");
        }
        Caller caller = header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? tokens.authenticate(header.substring(BEARER.length()).trim())
                : null;
        if (caller == null) {
            rate.admitAddress(req);
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
            throw new ApiException(401, "Invalid token", "the bearer token is not the admin token nor a valid client token");
        }
        req.context().register(caller);
        chain.proceed();
    }
}
