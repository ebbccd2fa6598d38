package omni.gateway;

import omni.config.Setting;
import omni.config.Settings;

/**
 * The gateway's HTTP limits, read once from the settings (docs/operations.md, "HTTP limits", says what each answers).
 *
 * @param connectionsMax   open connections; the last {@link ConnectionGuard#HEALTH_CONNECTIONS_RESERVED} serve only
 *                         health and metrics, beyond it a connection is answered 503 and closed
 * @param headersSizeMax   bytes of request line and headers (431 beyond)
 * @param headerTimeoutMs  from a request's first byte to the end of its headers (408 and close beyond)
 * @param bodyTimeoutMs    from the end of the headers to the end of the body (408 and close beyond)
 * @param idleTimeoutMs    a keep-alive connection waiting for its next request (closed beyond)
 * @param ratePerSecond    requests a second per token or client address (429 beyond the burst)
 * @param rateBurst        the token bucket's size
 */
record HttpLimits(int connectionsMax, int headersSizeMax, long headerTimeoutMs, long bodyTimeoutMs, long idleTimeoutMs,
                  int ratePerSecond, int rateBurst) {
    HttpLimits {
        if (connectionsMax <= ConnectionGuard.HEALTH_CONNECTIONS_RESERVED) {
            throw new IllegalArgumentException("connectionsMax must exceed the " + ConnectionGuard.HEALTH_CONNECTIONS_RESERVED
                    + " connections reserved for health and metrics, was " + connectionsMax);
        }
        if (headersSizeMax <= 0 || headerTimeoutMs <= 0 || bodyTimeoutMs <= 0 || idleTimeoutMs <= 0
                || ratePerSecond <= 0 || rateBurst <= 0) {
            throw new IllegalArgumentException("every HTTP limit must be positive: " + this);
        }
    }

    static HttpLimits of(Settings settings) {
        return new HttpLimits(settings.intValue(Setting.HTTP_CONNECTIONS_MAX),
                settings.intValue(Setting.HTTP_HEADERS_SIZE_MAX),
                settings.intValue(Setting.HTTP_HEADER_TIMEOUT_MS),
                settings.intValue(Setting.HTTP_BODY_TIMEOUT_MS),
                settings.intValue(Setting.HTTP_IDLE_TIMEOUT_MS),
                settings.intValue(Setting.HTTP_RATE_PER_SECOND),
                settings.intValue(Setting.HTTP_RATE_BURST));
    }
}
