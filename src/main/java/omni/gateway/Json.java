package omni.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** Small JSON responses written with one shared Jackson mapper (thread-safe once configured). */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    public static final String MEDIA_TYPE = "application/json";

    private Json() {
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getName() + " as JSON", e);
        }
    }

    /** Sends {@code value} (maps, lists, records, strings, numbers) as application/json. */
    public static void send(ServerResponse res, int status, Object value) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        res.send(bytes(value));
    }
}
