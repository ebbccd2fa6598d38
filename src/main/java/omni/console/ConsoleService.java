package omni.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import omni.gateway.Caller;
import omni.gateway.Gateway;
import omni.kernel.Hex;
import omni.ledger.LedgerUnavailableException;
import omni.ledger.ProofView;

/**
 * The operator console at {@code /}: sign-in with a token, one page of panels, HTML fragments, and one event
 * stream that pushes every panel once a second. Pages and fragments are jte templates from web/templates,
 * compiled with the build. Everything but the sign-in page needs the session cookie; {@code /api} never accepts it.
 */
public final class ConsoleService implements HttpService {
    static final String COOKIE = "omni_session";
    /** Open event streams at a time: one per operator tab, with room; each holds a virtual thread. */
    static final int STREAM_COUNT_MAX = 64;
    /** A sign-in form is one token (43 characters) and a field name; 4 KiB leaves room for a pasted line. */
    static final int FORM_SIZE_MAX = 4096;
    /** Checkpoints in the panel and in the export: the last minute at the default interval. */
    static final int CHECKPOINT_ROWS = 60;
    /** Sealing is stale when the oldest unsealed transfer waits longer than this many intervals. */
    static final int STALE_INTERVALS = 3;
    static final int TIPS_SHOWN = 16;
    /** Transfers per page of an account's history in the explorer: one screen. */
    static final int HISTORY_PAGE_SIZE = 20;
    private static final Logger LOG = Logger.getLogger(ConsoleService.class.getName());

    private final Gateway gateway;
    private final ConsoleSource source;
    private final boolean tls;
    private final Sessions sessions = new Sessions();
    private final SignInLimiter limiter = new SignInLimiter();
    private final Semaphore streams = new Semaphore(STREAM_COUNT_MAX);
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html, null,
            "omni.console.templates");
    private final Panels panels;

    /**
     * @param tls whether the node serves HTTPS; the session cookie is then {@code Secure}
     */
    public ConsoleService(Gateway gateway, ConsoleSource source, TpsSampler sampler, boolean tls) {
        this.gateway = gateway;
        this.source = source;
        this.tls = tls;
        this.panels = new Panels(source, sampler);
    }

    /** The static assets: the console's CSS and JS under /static, the webjars (htmx, its SSE extension, uPlot). */
    public static StaticContentFeature assets() {
        return StaticContentFeature.builder()
                .addClasspath(c -> c.location("/META-INF/resources/webjars").context("/webjars"))
                .addClasspath(c -> c.location("/omni/console/static").context("/static"))
                .build();
    }

    /** A sampler to share between the service and shutdown. */
    public static TpsSampler sampler() {
        return new TpsSampler();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::page)
                .get("/login", this::loginPage)
                .post("/login", this::login)
                .post("/logout", this::logout)
                .get("/console/events", this::events)
                .get("/console/transfer", this::transfer)
                .get("/console/account", this::account)
                .get("/console/proof/{id}", this::proof)
                .get("/console/export/tps.csv", this::tpsCsv)
                .get("/console/export/tps.json", this::tpsJson)
                .get("/console/export/checkpoints.json", this::checkpointsJson)
                .get("/console/export/checkpoints.csv", this::checkpointsCsv);
    }

    private Sessions.Session session(ServerRequest req) {
        String cookie = req.headers().cookies().first(COOKIE).orElse(null);
        return sessions.find(cookie, System.currentTimeMillis());
    }

    /** The session, or null after answering 401 (fragments, streams) or a redirect to sign-in (pages). */
    private Sessions.Session require(ServerRequest req, ServerResponse res, boolean page) {
        Sessions.Session s = session(req);
        if (s == null) {
            if (page) {
                res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, "/login").send();
            } else {
                res.status(Status.UNAUTHORIZED_401).header(HeaderNames.CONTENT_TYPE, "text/plain")
                        .send("sign in at /login");
            }
        }
        return s;
    }

    private void page(ServerRequest req, ServerResponse res) {
        Sessions.Session s = require(req, res, true);
        if (s == null) {
            return;
        }
        Views.Page page = new Views.Page(s.csrfToken(), s.callerId(), source.ledger().node().publicKey(),
                panels.status(), panels.counters(), panels.ring(), panels.checkpoints(), panels.tips());
        html(res, render("page.jte", page));
    }

    private void loginPage(ServerRequest req, ServerResponse res) {
        html(res, render("login.jte", req.query().first("error").orElse("")));
    }

    private void login(ServerRequest req, ServerResponse res) {
        if (!sameOrigin(req)) {
            forbidden(res, "cross-origin sign-in refused");
            return;
        }
        String address = req.remotePeer().host();
        long now = System.currentTimeMillis();
        long waitMs = limiter.retryAfterMs(address, now);
        if (waitMs > 0) {
            res.status(Status.TOO_MANY_REQUESTS_429)
                    .header(HeaderNames.RETRY_AFTER, Long.toString((waitMs + 999) / 1000));
            html(res, render("login.jte", "too many failed sign-ins from this address; wait "
                    + (waitMs + 999) / 1000 + " s"));
            return;
        }
        String token = formField(req, "token");
        Caller caller = token == null || token.isBlank() ? null : gateway.tokens().authenticate(token.trim());
        if (caller == null) {
            limiter.failed(address, now);
            res.status(Status.UNAUTHORIZED_401);
            html(res, render("login.jte", "that is not the admin token nor a valid client token"));
            return;
        }
        limiter.succeeded(address);
        Sessions.Created created = sessions.create(caller.tokenId(), caller.isAdmin(), now);
        res.header(HeaderNames.SET_COOKIE, cookie(created.cookieValue(), Sessions.SESSION_TTL.toSeconds()));
        res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, "/").send();
    }

    private void logout(ServerRequest req, ServerResponse res) {
        Sessions.Session s = require(req, res, false);
        if (s == null) {
            return;
        }
        if (!sameOrigin(req) || !Sessions.csrfMatches(s, formField(req, "csrf"))) {
            forbidden(res, "missing or wrong CSRF token or origin");
            return;
        }
        sessions.end(req.headers().cookies().first(COOKIE).orElse(null));
        res.header(HeaderNames.SET_COOKIE, cookie("", 0));
        res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, "/login").send();
    }

    /** Set-Cookie value; the one place the cookie's attributes are chosen. */
    private String cookie(String value, long maxAgeSeconds) {
        return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (tls ? "; Secure" : "");
    }

    /** A console POST must come from a page of this node: its Origin names the host it was sent to. */
    private boolean sameOrigin(ServerRequest req) {
        String origin = req.headers().first(HeaderNames.ORIGIN).orElse(null);
        String host = req.headers().first(HeaderNames.HOST).orElse(null);
        return origin != null && host != null && origin.equals((tls ? "https://" : "http://") + host);
    }

    private void events(ServerRequest req, ServerResponse res) {
        String cookie = req.headers().cookies().first(COOKIE).orElse(null);
        if (require(req, res, false) == null) {
            return;
        }
        if (!streams.tryAcquire()) {
            res.status(Status.SERVICE_UNAVAILABLE_503).header(HeaderNames.RETRY_AFTER, "5").send();
            return;
        }
        try (SseSink sink = res.sink(SseSink.TYPE)) {
            panels.stream(sink, () -> sessions.find(cookie, System.currentTimeMillis()) != null, this::render);
        } catch (UncheckedIOException | IllegalStateException e) {
            LOG.log(Level.FINE, "console event stream ended: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.release();
        }
    }

    private void transfer(ServerRequest req, ServerResponse res) {
        if (require(req, res, false) == null) {
            return;
        }
        String idHex = req.query().first("id").orElse("").trim();
        byte[] id = new byte[32];
        if (!Hex.decode(idHex, id, 0, id.length)) {
            html(res, render("message.jte", "a transfer id is 64 lowercase hex digits"));
            return;
        }
        try {
            Views.Transfer t = panels.transfer(id);
            html(res, t == null ? render("message.jte", "no committed transfer with id " + idHex)
                    : render("transfer.jte", t));
        } catch (LedgerUnavailableException e) {
            html(res, render("message.jte", "the ledger cannot answer now (" + e.getMessage() + "); try again"));
        }
    }

    private void account(ServerRequest req, ServerResponse res) {
        if (require(req, res, false) == null) {
            return;
        }
        long account;
        long before;
        try {
            account = Long.parseUnsignedLong(req.query().first("id").orElse("").trim());
            before = Long.parseLong(req.query().first("before").orElse(Long.toString(Long.MAX_VALUE)));
        } catch (NumberFormatException e) {
            html(res, render("message.jte", "an account is a number from 0 to 2^64-1"));
            return;
        }
        try {
            html(res, render("account.jte", panels.account(account, before)));
        } catch (LedgerUnavailableException e) {
            html(res, render("message.jte", "the ledger cannot answer now (" + e.getMessage() + "); try again"));
        }
    }

    /** The proof as JSON for the browser to verify itself; the same document GET /api/v1/proofs/{id} answers. */
    private void proof(ServerRequest req, ServerResponse res) {
        if (require(req, res, false) == null) {
            return;
        }
        byte[] id = new byte[32];
        if (!Hex.decode(req.path().pathParameters().get("id"), id, 0, id.length)) {
            res.status(Status.BAD_REQUEST_400).send("a transfer id is 64 lowercase hex digits");
            return;
        }
        try {
            ProofView view = source.ledger().proof(id);
            switch (view.state()) {
                case UNKNOWN -> res.status(Status.NOT_FOUND_404).send("no transfer with this id");
                case NOT_SEALED -> res.status(Status.CONFLICT_409)
                        .send("not sealed in a checkpoint yet; retry after the next one");
                case SEALED -> res.header(HeaderNames.CONTENT_TYPE, "application/json").send(view.proof().toJson());
            }
        } catch (LedgerUnavailableException e) {
            res.status(Status.SERVICE_UNAVAILABLE_503)
                    .header(HeaderNames.RETRY_AFTER, Integer.toString(LedgerUnavailableException.RETRY_AFTER_SECONDS))
                    .send("the ledger cannot answer now");
        }
    }

    private void tpsCsv(ServerRequest req, ServerResponse res) {
        if (require(req, res, false) != null) {
            download(res, "text/csv", "omni-tps.csv", panels.tpsCsv());
        }
    }

    private void tpsJson(ServerRequest req, ServerResponse res) {
        if (require(req, res, false) != null) {
            download(res, "application/json", "omni-tps.json", panels.tpsJson());
        }
    }

    private void checkpointsJson(ServerRequest req, ServerResponse res) {
        if (require(req, res, false) != null) {
            download(res, "application/json", "omni-checkpoints.json", panels.checkpointsJson());
        }
    }

    private void checkpointsCsv(ServerRequest req, ServerResponse res) {
        if (require(req, res, false) != null) {
            download(res, "text/csv", "omni-checkpoints.csv", panels.checkpointsCsv());
        }
    }

    private static void download(ServerResponse res, String type, String name, String body) {
        res.header(HeaderNames.CONTENT_TYPE, type + "; charset=utf-8")
                .header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + name + "\"")
                .send(body);
    }

    String render(String template, Object model) {
        StringOutput out = new StringOutput();
        templates.render(template, model, out);
        return out.toString();
    }

    private static void html(ServerResponse res, String body) {
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8").send(body);
    }

    private static void forbidden(ServerResponse res, String why) {
        res.status(Status.FORBIDDEN_403).header(HeaderNames.CONTENT_TYPE, "text/plain").send(why);
    }

    /** One field of a bounded application/x-www-form-urlencoded body, or null. */
    private static String formField(ServerRequest req, String name) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = req.content().inputStream()) {
            byte[] buf = new byte[1024];
            int read;
            while ((read = in.read(buf)) > 0) {
                body.write(buf, 0, read);
                if (body.size() > FORM_SIZE_MAX) {
                    return null;
                }
            }
        } catch (IOException e) {
            return null;
        }
        for (String pair : body.toString(StandardCharsets.US_ASCII).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
