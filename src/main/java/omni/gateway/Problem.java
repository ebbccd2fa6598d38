package omni.gateway;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * An RFC 9457 problem. {@code type} is derived from the title ({@code urn:omni:problem:token-required}), so that
 * clients can switch on it; {@code instance} is the request path.
 */
record Problem(int status, String title, String detail, int retryAfterSeconds) {
    static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_PREFIX = "urn:omni:problem:";

    static Problem of(ApiException e) {
        return new Problem(e.status(), e.title(), e.detail(), e.retryAfterSeconds());
    }

    /** A problem named after the status' reason phrase, e.g. 404 "Not Found". */
    static Problem ofStatus(int status, String detail) {
        // RFC 9110 renamed 413; Helidon still uses the RFC 7231 phrase.
        String title = status == 413 ? "Content Too Large" : Status.create(status).reasonPhrase();
        return new Problem(status, title, detail, 0);
    }

    String type() {
        return TYPE_PREFIX + title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    byte[] json(String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type());
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (instance != null) {
            body.put("instance", instance);
        }
        return Json.bytes(body);
    }

    void send(ServerResponse res, String instance) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        if (retryAfterSeconds > 0) {
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(retryAfterSeconds));
        }
        res.send(json(instance));
    }
}
