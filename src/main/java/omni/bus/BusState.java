package omni.bus;

/**
 * What /api/v1/node, the start-up line, the console and {@code bus.state} events say about the bus.
 *
 * @param kind      {@code in-process} or {@code redis}
 * @param target    {@code redis://host:port} (never user or password), or null for the in-process bus
 * @param connected whether events currently reach every destination (always true in process)
 * @param backlog   transfers plus checkpoints committed but not yet confirmed by Redis
 * @param detail    one human sentence: why not connected, or what is going on
 */
public record BusState(String kind, String target, boolean connected, long backlog, String detail) {
    public static final String IN_PROCESS = "in-process";
    public static final String REDIS = "redis";

    public String toJson() {
        return "{\"kind\":" + JsonText.quote(kind)
                + ",\"target\":" + (target == null ? "null" : JsonText.quote(target))
                + ",\"connected\":" + connected
                + ",\"backlog\":" + backlog
                + ",\"detail\":" + JsonText.quote(detail) + "}";
    }

    /** The start-up line's words about the bus: {@code redis redis://host:port connected, backlog 0 (...)}. */
    public String describe() {
        if (target == null) {
            return kind + " (" + detail + ")";
        }
        return kind + " " + target + (connected ? " connected" : " NOT connected") + ", backlog " + backlog
                + " (" + detail + ")";
    }
}
