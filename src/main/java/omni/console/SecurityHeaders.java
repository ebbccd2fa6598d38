package omni.console;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Headers on every console response (pages, fragments, the event stream, static assets): a Content-Security-Policy
 * that allows only this origin, so no inline script or style runs even if a value escaped its template; no
 * framing; no MIME sniffing. Versioned webjars are cached for a year; the console's own assets revalidate.
 */
public final class SecurityHeaders implements Filter {
    public static final String CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    private static final HeaderName CSP_HEADER = HeaderNames.create("Content-Security-Policy");
    private static final HeaderName FRAME_OPTIONS = HeaderNames.create("X-Frame-Options");
    private static final HeaderName REFERRER_POLICY = HeaderNames.create("Referrer-Policy");
    /** A year: webjar paths carry their version, so a new version is a new URL. */
    private static final String WEBJAR_CACHE = "public, max-age=31536000, immutable";

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (!path.equals("/api") && !path.startsWith("/api/")) {
            res.header(CSP_HEADER, CSP);
            res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
            res.header(FRAME_OPTIONS, "DENY");
            // same-origin, not no-referrer: under no-referrer the browser sends "Origin: null" with a form POST,
            // and the console's CSRF check needs the real origin.
            res.header(REFERRER_POLICY, "same-origin");
            if (path.startsWith("/webjars/")) {
                res.header(HeaderNames.CACHE_CONTROL, WEBJAR_CACHE);
            } else {
                res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            }
        }
        chain.proceed();
    }
}
