package omni.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import omni.cli.ServeCommand;
import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;

/**
 * The console in real headless Chromium (Debian's chromium and chromium-driver, driven through
 * /usr/bin/chromedriver, so Selenium downloads nothing) against a real node on a free port. Every wait is a
 * WebDriverWait or a polling loop with a deadline. The last test rewrites docs/console.png, the README's screenshot.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final String ADMIN = "console-test-admin-token-0123456789";
    private static final String GENESIS = "12cf0d0d96dd71749727be404f802a1941360eb8b5142aaa57becae9001e0e28";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final String HOSTILE_MEMO = "<script>window.xss=1</script>\"><img src=x onerror=\"window.xss=2\">";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Shutdown shutdown;
    private static String base;
    private static ChromeDriver browser;
    private static Path profile;
    // The issuer's next seq: every test that mints takes the next ones.
    private static final AtomicLong issuerSeq = new AtomicLong(1);

    @BeforeAll
    static void start() throws Exception {
        shutdown = new Shutdown();
        Settings settings = Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                Setting.DATA_DIR, Files.createTempDirectory("omni-console").toString(), Setting.ADMIN_TOKEN, ADMIN));
        ServeCommand.Node node = ServeCommand.start(settings, shutdown);
        base = "http://127.0.0.1:" + node.gateway().port();
        assertTrue(node.awaitStarted(30_000), "node started");
        profile = Files.createTempDirectory("omni-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,1500");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(CHROMEDRIVER).toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        // Records every Content-Security-Policy violation of every page, from before its first script runs.
        browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "window.cspViolations = []; document.addEventListener('securitypolicyviolation',"
                        + " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        shutdown.run();
    }

    /** Panels are swapped once a second, so an element found may be replaced before it is read: look again. */
    private static WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static void signIn(String token) {
        browser.get(base + "/login");
        WebElement field = browser.findElement(By.id("token"));
        field.clear();
        field.sendKeys(token);
        browser.findElement(By.id("signin-button")).click();
    }

    private static String text(String id) {
        return waiting().until(d -> d.findElement(By.id(id)).getText());
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    @Test
    @Order(1)
    void wrongTokenFailsAndTheRightOneSignsIn() {
        browser.get(base + "/");
        waiting().until(d -> d.getCurrentUrl().endsWith("/login"));
        signIn("not-the-token");
        waiting().until(d -> !d.findElements(By.id("signin-error")).isEmpty());
        assertThat(browser.getCurrentUrl(), containsString("/login"));
        assertNull(browser.manage().getCookieNamed(ConsoleService.COOKIE));

        signIn(ADMIN);
        waiting().until(d -> !d.findElements(By.id("node-id")).isEmpty());
        Cookie cookie = browser.manage().getCookieNamed(ConsoleService.COOKIE);
        assertNotNull(cookie);
        assertTrue(cookie.isHttpOnly());
        assertEquals("Strict", cookie.getSameSite());
        waiting().until(d -> text("live-badge").equals("live"));
    }

    @Test
    @Order(2)
    void headerShowsTheNodesRealComponents() throws Exception {
        JsonNode node = JSON.readTree(api("GET", "/api/v1/node", null).body());
        assertEquals(node.get("nodeId").asText(), text("node-id"));
        assertEquals(node.get("ledger").asText(), text("node-ledger"));
        assertEquals(node.get("version").asText(), text("node-version"));
        JsonNode storage = node.get("storage");
        assertThat(text("node-storage"), startsWith(storage.get("kind").asText() + " (" + storage.get("target").asText()));
        assertFalse(storage.get("production").asBoolean(), "the test node runs the embedded store");
        WebElement flag = browser.findElement(By.cssSelector("#node-storage strong.warn"));
        assertEquals("not for production", flag.getText());
        assertThat(text("node-bus"), startsWith(node.get("bus").get("kind").asText()));
        assertThat(text("node-cluster"), startsWith(node.get("cluster").get("kind").asText()));
    }

    @Test
    @Order(3)
    void tpsChartAndCountersMoveWithoutAReload() throws Exception {
        js("window.omniNotReloaded = true;");
        long before = Long.parseLong(browser.findElement(By.id("tps-chart")).getDomAttribute("data-accepted-sum"));
        AtomicBoolean running = new AtomicBoolean(true);
        Thread traffic = Thread.ofVirtual().start(() -> {
            while (running.get()) {
                try {
                    mint(5, 1, "");
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        try {
            waiting().until(d -> Long.parseLong(d.findElement(By.id("tps-chart")).getDomAttribute("data-accepted-sum"))
                    > before);
            waiting().until(d -> Long.parseLong(d.findElement(By.id("tps-accepted")).getText()) > 0);
            assertFalse(browser.findElements(By.cssSelector("#tps-chart canvas")).isEmpty(), "uPlot drew a canvas");
            assertThat(text("latency-p50"), containsString(" ms"));
        } finally {
            running.set(false);
            traffic.join();
        }
        assertEquals(Boolean.TRUE, js("return window.omniNotReloaded === true;"), "the page was not reloaded");
        browser.findElement(By.id("pause")).click();
        assertEquals("paused", text("live-badge"));
        browser.findElement(By.id("pause")).click();
        assertEquals("live", text("live-badge"));
    }

    @Test
    @Order(4)
    void ringHas271PartitionsOwnedByThisNode() {
        List<WebElement> slices = browser.findElements(By.cssSelector("#ring-svg path.slice"));
        assertEquals(271, slices.size());
        String nodeId = text("node-id");
        for (WebElement slice : slices) {
            assertEquals(nodeId, slice.getDomAttribute("data-owner"));
        }
        assertEquals("271", browser.findElement(By.cssSelector("#ring-legend tbody td:nth-child(2)")).getText());
    }

    @Test
    @Order(5)
    void latestCheckpointShownIsTheApisLatest() {
        waiting().until(d -> {
            try {
                JsonNode latest = JSON.readTree(api("GET", "/api/v1/checkpoints/latest", null).body());
                List<WebElement> rows = d.findElements(By.cssSelector("#checkpoint-table tbody tr[data-seq]"));
                return !rows.isEmpty() && rows.get(0).getDomAttribute("data-seq").equals(latest.get("seq").asText())
                        && rows.get(0).findElement(By.cssSelector("td.hex")).getDomAttribute("title")
                        .equals(latest.get("root").asText());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(6)
    void proofVerifiesInTheBrowserAndTamperingGivesTheReason() throws Exception {
        String id = mint(7, 1, "proof me");
        awaitSealed(id);
        WebElement field = browser.findElement(By.id("verify-id"));
        field.clear();
        field.sendKeys(id);
        browser.findElement(By.id("verify-fetch")).click();
        waiting().until(d -> "valid".equals(d.findElement(By.id("verify-result")).getDomAttribute("data-reason")));
        assertThat(text("verify-result"), startsWith("valid: checked in this browser"));

        String proof = browser.findElement(By.id("proof-json")).getDomProperty("value");
        assertTamper(proof.replaceFirst("\"amount\":1,", "\"amount\":2,"), "id_mismatch");
        Matcher root = Pattern.compile("\"root\":\"([0-9a-f])").matcher(proof);
        assertTrue(root.find());
        String flipped = root.group(1).equals("0") ? "1" : "0";
        assertTamper(proof.replaceFirst("\"root\":\"[0-9a-f]", "\"root\":\"" + flipped), "checkpoint_hash_mismatch");
        Matcher signature = Pattern.compile("\"signature\":\"([0-9a-f])").matcher(proof);
        assertTrue(signature.find());
        flipped = signature.group(1).equals("0") ? "1" : "0";
        assertTamper(proof.replaceFirst("\"signature\":\"[0-9a-f]", "\"signature\":\"" + flipped), "signature_invalid");
        assertTamper(proof.replaceFirst("\"leafIndex\":\\d+", "\"leafIndex\":99999"), "leaf_index_out_of_range");
    }

    private static void assertTamper(String tampered, String reason) {
        WebElement area = browser.findElement(By.id("proof-json"));
        js("arguments[0].value = arguments[1];", area, tampered);
        js("document.getElementById('verify-result').dataset.reason = '';");
        browser.findElement(By.id("verify-again")).click();
        waiting().until(d -> !"".equals(d.findElement(By.id("verify-result")).getDomAttribute("data-reason")));
        assertEquals(reason, browser.findElement(By.id("verify-result")).getDomAttribute("data-reason"),
                text("verify-result"));
    }

    @Test
    @Order(7)
    void hostileMemoIsShownAsText() throws Exception {
        String id = mint(8, 1, HOSTILE_MEMO);
        WebElement field = browser.findElement(By.id("transfer-id"));
        field.clear();
        field.sendKeys(id);
        browser.findElement(By.id("transfer-lookup")).click();
        waiting().until(d -> !d.findElements(By.id("transfer-memo")).isEmpty());
        assertEquals(HOSTILE_MEMO, text("transfer-memo"));
        assertTrue(browser.findElements(By.cssSelector("#transfer-memo img, #transfer-memo script")).isEmpty());
        assertNull(js("return window.xss;"), "no script of the memo ran");
        assertThat(text("transfer-view"), containsString(GENESIS));

        WebElement account = browser.findElement(By.id("account-id"));
        account.clear();
        account.sendKeys("8");
        browser.findElement(By.id("account-lookup")).click();
        waiting().until(d -> !d.findElements(By.id("account-balance")).isEmpty());
        JsonNode api = JSON.readTree(api("GET", "/api/v1/accounts/8", null).body());
        assertEquals(api.get("balance").asText(), text("account-balance"));
        assertEquals(api.get("seq").asText(), text("account-seq"));
        assertThat(text("account-history"), containsString(HOSTILE_MEMO));
        assertNull(js("return window.xss;"), "no script of the memo ran in the history either");
    }

    @Test
    @Order(8)
    void everyPageAndFragmentSendsTheCsp() throws Exception {
        String cookie = "omni_session=" + browser.manage().getCookieNamed(ConsoleService.COOKIE).getValue();
        for (String path : List.of("/", "/login", "/console/transfer?id=" + GENESIS, "/console/account?id=7",
                "/console/export/tps.csv", "/console/export/checkpoints.json", "/static/console.css",
                "/webjars/htmx.org/2.0.8/dist/htmx.min.js")) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode(), path);
            assertThat(path, res.headers().firstValue("Content-Security-Policy").orElse(""),
                    startsWith("default-src 'self'"));
        }
        String page = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/")).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertFalse(page.contains("http://") || page.contains("https://"), "no external URL in the page");
        assertFalse(page.contains("style="), "no inline style attribute");
        assertEquals("[]", String.valueOf(js("return window.cspViolations;")),
                "htmx, its SSE extension and uPlot ran under the policy without a violation");
        browser.findElement(By.id("theme-toggle")).click();
        String theme = String.valueOf(js("return document.documentElement.dataset.theme;"));
        browser.findElement(By.id("theme-toggle")).click();
        assertEquals(theme.equals("dark") ? "light" : "dark",
                String.valueOf(js("return document.documentElement.dataset.theme;")), "the toggle switches the theme");
    }

    @Test
    @Order(9)
    void streamAndApiRefuseWhatTheyShould() throws Exception {
        assertEquals(401, get("/console/events", null).statusCode());
        assertEquals(401, get("/console/events", "omni_session=forged").statusCode());
        String cookie = "omni_session=" + browser.manage().getCookieNamed(ConsoleService.COOKIE).getValue();
        assertEquals(401, get("/api/v1/node", cookie).statusCode(), "a console cookie does not open /api");
        HttpResponse<String> noCsrf = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/logout"))
                .header("Cookie", cookie).header("Origin", base)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=wrong")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, noCsrf.statusCode());
        HttpResponse<String> foreign = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Origin", "http://evil.example").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + ADMIN)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, foreign.statusCode());
        HttpResponse<String> signIn = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Origin", base).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + ADMIN)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, signIn.statusCode());
        String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        for (String attribute : List.of("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800")) {
            assertThat(setCookie, containsString(attribute));
        }
    }

    @Test
    @Order(10)
    void screenshotAndLogoutEndsTheSession() throws Exception {
        browser.manage().window().setSize(new Dimension(1280, 1500));
        waiting().until(d -> text("live-badge").equals("live"));
        AtomicBoolean running = new AtomicBoolean(true);
        Thread traffic = Thread.ofVirtual().start(() -> {
            while (running.get()) {
                try {
                    mint(9, 1, "");
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        try {
            waiting().until(d -> Long.parseLong(d.findElement(By.id("tps-accepted")).getText()) > 0);
            js("window.scrollTo(0, 0);");
            Files.write(Path.of("docs", "console.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } finally {
            running.set(false);
            traffic.join();
        }

        String cookie = "omni_session=" + browser.manage().getCookieNamed(ConsoleService.COOKIE).getValue();
        browser.findElement(By.id("logout")).click();
        waiting().until(d -> d.getCurrentUrl().endsWith("/login"));
        assertEquals(401, get("/console/events", cookie).statusCode(), "the ended session opens no stream");
        browser.get(base + "/");
        waiting().until(d -> d.getCurrentUrl().endsWith("/login"));
    }

    @Test
    @Order(11)
    void failedSignInsAreRateLimited() throws Exception {
        int status = 0;
        for (int i = 0; i <= SignInLimiter.FAILURES_MAX; i++) {
            status = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                    .header("Origin", base).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token=wrong" + i)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        }
        assertEquals(429, status);
    }

    private static HttpResponse<String> get(String path, String cookie) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> api(String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + ADMIN);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Issues {@code amount} to {@code receiver} from the issuer (account 0); returns the new transfer's id. */
    private static String mint(long receiver, long amount, String memo) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("sender", 0, "receiver", receiver, "amount", amount,
                "seq", issuerSeq.getAndIncrement(), "timestamp", System.currentTimeMillis(),
                "parents", List.of(GENESIS), "memo", memo));
        HttpResponse<String> res = api("POST", "/api/v1/transactions", body);
        assertEquals(200, res.statusCode(), res.body());
        JsonNode result = JSON.readTree(res.body()).get("results").get(0);
        assertEquals("accepted", result.get("result").asText(), res.body());
        return result.get("id").asText();
    }

    private static void awaitSealed(String id) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (api("GET", "/api/v1/proofs/" + id, null).statusCode() != 200) {
            assertTrue(System.nanoTime() < deadline, "transfer " + id + " sealed within " + WAIT);
            Thread.sleep(50);
        }
    }
}
