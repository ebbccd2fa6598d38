package omni.gateway;

import java.time.Duration;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;

/**
 * A connection beyond {@code http.connections.max}: it is sent one answer (503 with Retry-After) and closed at
 * once, without reading its request, so that it holds no thread and no buffer.
 */
final class RefusedConnection implements ServerConnection {
    private final ConnectionContext ctx;
    private final byte[] answer;

    RefusedConnection(ConnectionContext ctx, byte[] answer) {
        this.ctx = ctx;
        this.answer = answer;
    }

    @Override
    public void handle(Limit limit) {
        // Helidon closes the socket when this returns; a client that has already sent its request may see the
        // connection reset instead of the answer, which says the same.
        ctx.dataWriter().writeNow(BufferData.create(answer));
    }

    @Override
    public Duration idleTime() {
        return Duration.ZERO;
    }

    @Override
    public void close(boolean interrupt) {
        // Nothing to stop: handle() returns as soon as the answer is written.
    }
}
