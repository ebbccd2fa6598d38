package omni.gateway;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.NotFoundException;
import io.helidon.http.RequestException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.media.UnsupportedTypeException;
import io.helidon.http.Status;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ErrorHandler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.LedgerUnavailableException;
import omni.ledger.RequestRefusedException;

/**
 * The one place where failures become HTTP answers: every exception a handler throws (ApiException, Helidon's
 * HttpExceptions such as "no route", malformed JSON, anything unexpected) and every error Helidon answers before
 * routing (unparseable HTTP, body too large) becomes an RFC 9457 {@code application/problem+json}. Unexpected
 * exceptions give 500 with an incident number that is also in the log next to the stack trace, and nothing else.
 */
final class ErrorMapper implements ErrorHandler<Throwable>, DirectHandler {
    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());
    private static final AtomicLong INCIDENTS = new AtomicLong();

    private final List<Route> routes;
    private final long payloadSizeMax;

    ErrorMapper(List<Route> routes, long payloadSizeMax) {
        this.routes = routes;
        this.payloadSizeMax = payloadSizeMax;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res, Throwable t) {
        String path = req.path().absolute().path();
        if (res.isSent()) {
            LOG.log(Level.WARNING, "failure after the response to " + path + " was sent", t);
            return;
        }
        if (t instanceof HttpException e && e.status().code() == Status.NOT_MODIFIED_304.code()) {
            // Static content answers a matching If-None-Match this way; a 304 carries no body.
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        Problem problem = problemFor(req, res, t);
        problem.send(res, path);
    }

    private Problem problemFor(ServerRequest req, ServerResponse res, Throwable t) {
        if (t instanceof ApiException e) {
            return Problem.of(e);
        }
        if (t instanceof NotFoundException) {
            return notFound(req, res);
        }
        if (t instanceof LedgerUnavailableException e) {
            return new Problem(503, "Service Unavailable", e.getMessage(), LedgerUnavailableException.RETRY_AFTER_SECONDS);
        }
        if (t instanceof RequestRefusedException e) {
            return e.reason() == RequestRefusedException.Reason.TOO_LARGE
                    ? new Problem(413, "Content Too Large", e.getMessage(), 0)
                    : new Problem(400, "Bad Request", e.getMessage(), 0);
        }
        if (connectionLost(t)) {
            // The client went away or its connection was closed for a limit (docs/operations.md) while its body
            // was read: nothing of it was used, and there is no one to read an answer.
            LOG.log(Level.DEBUG, "connection lost while reading the request to " + req.path().absolute().path(), t);
            return Problem.ofStatus(400, "the connection ended before the request body did");
        }
        JsonProcessingException json = jsonCause(t);
        if (json != null) {
            return new Problem(400, "Malformed JSON", json.getOriginalMessage(), 0);
        }
        if (t instanceof UnsupportedTypeException) {
            String type = req.headers().contentType().map(m -> m.mediaType().text()).orElse("no Content-Type");
            return Problem.ofStatus(415, "this call cannot read a body of type " + type);
        }
        if (t instanceof HttpException e && e.status().code() < 500) {
            return Problem.ofStatus(e.status().code(), clientDetail(e.status().code(), e.getMessage()));
        }
        if (t instanceof RequestException e && e.status().code() < 500) {
            return Problem.ofStatus(e.status().code(), clientDetail(e.status().code(), e.getMessage()));
        }
        long incident = INCIDENTS.incrementAndGet();
        LOG.log(Level.ERROR, "incident " + incident + ": " + req.prologue().method().text() + " "
                + req.path().absolute().path() + " failed", t);
        return Problem.ofStatus(500, "unexpected error, logged as incident " + incident);
    }

    /** Helidon found no route: 405 with Allow if the path exists for other methods, else 404. */
    private Problem notFound(ServerRequest req, ServerResponse res) {
        String path = req.path().absolute().path();
        String method = req.prologue().method().text();
        Set<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            if (r.matches(path)) {
                allowed.add(r.method());
            }
        }
        if (!allowed.isEmpty() && !allowed.contains(method) && !allowed.contains("*")) {
            res.header(HeaderNames.ALLOW, String.join(", ", allowed));
            return Problem.ofStatus(405, method + " is not supported on " + path + "; use " + String.join(", ", allowed));
        }
        return Problem.ofStatus(404, "nothing at " + path);
    }

    private String clientDetail(int status, String message) {
        if (status == 413) {
            return "the request body exceeds " + payloadSizeMax + " bytes";
        }
        return message == null || message.isBlank() ? Status.create(status).reasonPhrase() : message;
    }

    private static boolean connectionLost(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ServerConnectionException || c instanceof DataReader.InsufficientDataAvailableException) {
                return true;
            }
        }
        return false;
    }

    private static JsonProcessingException jsonCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof JsonProcessingException j) {
                return j;
            }
        }
        return null;
    }

    /** Errors Helidon answers itself before any route runs (bad HTTP, too large, ...). */
    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        String detail = switch (eventType) {
            case BAD_REQUEST -> "the request is not valid HTTP/1.1";
            case PAYLOAD_TOO_LARGE -> "the request body exceeds " + payloadSizeMax + " bytes";
            default -> status.reasonPhrase();
        };
        Problem problem = Problem.ofStatus(status.code(), detail);
        headers.set(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(problem.json(request.path()))
                .keepAlive(eventType.keepAlive())
                .build();
    }
}
